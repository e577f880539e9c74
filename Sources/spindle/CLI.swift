import ArgumentParser
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleWorkload

/// `--allow-long`, shared by every command that estimates its work before starting it.
struct LongWorkFlags: ParsableArguments {
    @Flag(help: "Run even when the estimate says the work would take more than an hour.")
    var allowLong = false

    /// The limit in force (see `WorkLimit`).
    var limit: WorkLimit { WorkLimit(allowLong: allowLong) }

    /// Checks the estimated work against the limit; prints the estimate when the work is long.
    func check(_ what: String, units: Double, unitName: String, perSecond: Double, hint: String) throws(SpindleError) {
        if let note = try limit.check(what, units: units, unitName: unitName, perSecond: perSecond, hint: hint) { CLI.note(note) }
    }
}

/// Shared CLI plumbing: error reporting, JSON output, number formatting.
enum CLI {
    /// Runs `body`; a `SpindleError` is printed as one paragraph on stderr and exits with status 2.
    static func guarded(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as SpindleError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
    }

    /// The value of option `--option` given as `text` with a unit of `kind`, in the kind's base unit; out of the
    /// kind's valid range (or zero, unless `allowZero`) is an error naming the option.
    static func quantity(_ text: String, _ kind: UnitKind, option: String, allowZero: Bool = false) throws(SpindleError) -> Double {
        switch kind.parse(text) {
        case .failure(let e): throw SpindleError(.invalidValue, "--\(option): \(e.description)", choices: kind.units.map(\.0))
        case .success(let v):
            guard (allowZero && v == 0) || kind.validRange.contains(v) else {
                throw SpindleError(.invalidValue, "--\(option) is '\(text)'", expected: kind.validRangeText)
            }
            return v
        }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// The value of option `--option`, which must be one of `choices`.
    static func choice(_ text: String, _ choices: [String], option: String) throws(SpindleError) -> String {
        guard choices.contains(text) else {
            throw SpindleError(
                .invalidValue, "--\(option) is '\(text)'", choices: choices,
                hint: Spelling.nearest(text, in: choices).map { "Did you mean '\($0)'?" })
        }
        return text
    }

    /// Checks a whole-number option against its valid range.
    static func check(_ value: Int, _ flag: String, _ range: ClosedRange<Int>, _ meaning: String = "") throws(SpindleError) {
        guard range.contains(value) else {
            throw SpindleError(
                .invalidValue, "\(flag) is \(value)\(meaning.isEmpty ? "" : " (" + meaning + ")")",
                expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    /// Checks a numeric option: finite and within its valid range.
    static func check(_ value: Double, _ flag: String, _ range: ClosedRange<Double>, _ meaning: String = "") throws(SpindleError) {
        guard value.isFinite, range.contains(value) else {
            throw SpindleError(
                .invalidValue, "\(flag) is \(value)\(meaning.isEmpty ? "" : " (" + meaning + ")")",
                expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    /// Prints a line on stdout at once (unbuffered), so progress survives an interrupt when stdout is a file.
    static func progressLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// A legal but suspicious result, on stderr.
    static func warning(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data(("note: " + text + "\n").utf8))
    }

    /// Wall-clock seconds since `start`, for the `wall_s` figures the study commands print.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Pads `s` to a table column of `width` characters (right-aligned if `right`); a cell that fills its
    /// column still gets one separating space.
    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        if s.count >= width { return s + " " }
        let fill = String(repeating: " ", count: width - s.count)
        return right ? fill + s : s + fill
    }

    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 1e6 { return Units.format(perSecond / 1e6, 2) + " M" }
        if perSecond >= 1e3 { return Units.format(perSecond / 1e3, 2) + " k" }
        return Units.format(perSecond, 1) + " "
    }
}
