import SpindleCore

/// The validation suites `spindle validate` runs.
public enum ValidationSuite: String, Sendable, CaseIterable, Codable {
    /// The seed papers' claims (SmartDeal, SAC, and the Eyeriss baseline).
    case papers

    /// The folder a suite reads its scenarios from by default, relative to a clone's root.
    public var defaultDirectory: String {
        switch self {
        case .papers: PapersSuite.defaultDirectory
        }
    }

    /// Runs the suite.
    public func run(_ runs: SuiteRuns) async throws(SpindleError) -> ValidationResult {
        switch self {
        case .papers: ValidationResult(suite: self, rows: try await PapersSuite.rows(runs))
        }
    }
}

/// A suite's rows, as `spindle validate --json` writes them.
public struct ValidationResult: Sendable, Codable, Equatable {
    public var suite: ValidationSuite
    public var rows: [ClaimRow]

    public init(suite: ValidationSuite, rows: [ClaimRow]) {
        self.suite = suite
        self.rows = rows
    }

    /// The table for people: one line per row, then each row's definition, assumptions and sensitivities.
    public func table() -> String {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            if s.count >= n { return s + " " }
            let fill = String(repeating: " ", count: n - s.count)
            return right ? fill + s : s + fill
        }
        func number(_ v: Double?) -> String {
            guard let v else { return "-" }
            return abs(v) >= 100 ? Units.format(v, 1) : abs(v) >= 0.1 ? Units.format(v, 3) : String(format: "%.3g", v)
        }
        var lines = [
            pad("claim", 36) + pad("paper", 16, right: true) + pad("spindle", 12, right: true) + pad("ratio", 8, right: true) + "  "
                + pad("unit", 13) + "verdict"
        ]
        for r in rows {
            lines.append(
                pad(r.id, 36) + pad(r.paperText.count <= 15 ? r.paperText : number(r.paper), 16, right: true)
                    + pad(number(r.spindle), 12, right: true) + pad(number(r.ratio), 8, right: true) + "  " + pad(r.unit, 13) + r.verdict)
        }
        let within = rows.compactMap(\.withinTwo)
        lines.append("")
        lines.append(
            "\(within.filter { $0 }.count) of \(within.count) rows with a paper figure within 2x; "
                + "\(rows.filter { $0.setting == .defined && $0.withinTwo == false }.count) outside 2x where the setting is defined")
        for r in rows {
            lines.append("")
            lines.append("\(r.id): \(r.claim)")
            lines.append("  definition: \(r.definition)")
            lines.append("  from: \(r.scenario)")
            lines.append("  setting: \(r.setting.rawValue)" + (r.setting == .undefined ? " (the first assumption decides the figure)" : ""))
            for a in r.assumptions { lines.append("  assumes: \(a)") }
            for s in r.sensitivity {
                lines.append("  if \(s.change): \(number(s.spindle)) \(r.unit)" + (s.ratio.map { " (ratio \(number($0)))" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
