import Foundation
import SpindleCore

/// The validation suites `spindle validate` runs.
public enum ValidationSuite: String, Sendable, CaseIterable, Codable {
    /// The component models against the peers' reference runs and closed forms: pass or fail per row.
    case peers
    /// The seed papers' claims (SmartDeal, SAC, and the Eyeriss baseline).
    case papers

    /// The folder a suite reads its scenarios from by default, relative to a clone's root.
    public var defaultDirectory: String {
        switch self {
        case .peers: PeersSuite.defaultDirectory
        case .papers: PapersSuite.defaultDirectory
        }
    }

    /// Runs the suite.
    public func run(_ runs: SuiteRuns, progress: (@Sendable (String) -> Void)? = nil) async throws(SpindleError) -> ValidationResult {
        switch self {
        case .peers: ValidationResult(suite: self, ladder: try await PeersSuite.rows(directory: runs.directory, progress: progress))
        case .papers: ValidationResult(suite: self, rows: try await PapersSuite.rows(runs))
        }
    }
}

/// A suite's rows, as `spindle validate --json` writes them: claims (papers) or ladder checks (peers).
public struct ValidationResult: Sendable, Codable, Equatable {
    public var suite: ValidationSuite
    /// The papers suite's claims (empty for the peers suite).
    public var rows: [ClaimRow]
    /// The peers suite's checks (empty for the papers suite).
    public var ladder: [LadderRow]

    public init(suite: ValidationSuite, rows: [ClaimRow] = [], ladder: [LadderRow] = []) {
        self.suite = suite
        self.rows = rows
        self.ladder = ladder
    }

    enum CodingKeys: String, CodingKey { case suite, rows, ladder, failed }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        suite = try c.decode(ValidationSuite.self, forKey: .suite)
        rows = try c.decodeIfPresent([ClaimRow].self, forKey: .rows) ?? []
        ladder = try c.decodeIfPresent([LadderRow].self, forKey: .ladder) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(suite, forKey: .suite)
        if !rows.isEmpty || ladder.isEmpty { try c.encode(rows, forKey: .rows) }
        if !ladder.isEmpty {
            try c.encode(ladder, forKey: .ladder)
            try c.encode(failed, forKey: .failed)
        }
    }

    /// Ladder rows out of tolerance.
    public var failed: Int { ladder.filter { !$0.pass }.count }

    /// The table for people.
    public func table() -> String { suite == .peers ? ladderTable() : claimTable() }

    /// One line per check: case, metric, reference, Spindle, error, tolerance, pass or FAIL; then a count.
    func ladderTable() -> String {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            if s.count >= n { return s + " " }
            let fill = String(repeating: " ", count: n - s.count)
            return right ? fill + s : s + fill
        }
        func number(_ v: Double) -> String {
            guard v.isFinite else { return "\(v)" }
            if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
            return abs(v) >= 1e6 ? String(format: "%.6g", v) : abs(v) >= 0.1 ? Units.format(v, 4) : String(format: "%.4g", v)
        }
        func error(_ r: LadderRow) -> String {
            switch r.tolerance {
            case .relative:
                r.error.isFinite
                    ? (abs(r.error) < 1e-4 && r.error != 0 ? String(format: "%+.1e", r.error) : String(format: "%+.2f %%", r.error * 100))
                    : "\(r.error)"
            case .absolute, .exact: String(format: "%+.4g", r.error)
            }
        }
        var lines = [
            pad("peer", 13) + pad("case", 34) + pad("metric", 50) + pad("reference", 14, right: true) + pad("spindle", 14, right: true)
                + pad("error", 11, right: true) + pad("tolerance", 10, right: true) + "  result"
        ]
        for r in ladder {
            lines.append(
                pad(r.peer, 13) + pad(r.name, 34) + pad(r.metric + " (\(r.unit))", 50) + pad(number(r.reference), 14, right: true)
                    + pad(number(r.spindle), 14, right: true) + pad(error(r), 11, right: true) + pad(r.tolerance.text, 10, right: true)
                    + "  "
                    + (r.pass ? "pass" : "FAIL"))
        }
        lines.append("")
        lines.append("\(ladder.count - failed) of \(ladder.count) checks within tolerance" + (failed > 0 ? "; \(failed) FAILED" : ""))
        return lines.joined(separator: "\n")
    }

    /// One line per claim, then each claim's definition, assumptions and sensitivities.
    func claimTable() -> String {
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
