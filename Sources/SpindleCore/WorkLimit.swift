import Foundation

/// The estimate-then-refuse rule for long work: every command that may run for long estimates its work
/// first, says so when it will take a while, and refuses a request that would take more than `seconds`
/// unless the user passed `--allow-long`.
public struct WorkLimit: Sendable {
    /// Work estimated to take longer than this (on this machine's class of core, release build) is refused.
    public static let defaultSeconds = 3_600.0
    /// Work estimated to take longer than this gets a note with the estimate.
    public static let noteSeconds = 10.0

    public var seconds: Double
    public var allowLong: Bool

    /// The limit in force: `SPINDLE_WORK_LIMIT_S` in the environment replaces the default (tests use a
    /// small one), and `allowLong` lifts it.
    public init(allowLong: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.allowLong = allowLong
        if let text = environment["SPINDLE_WORK_LIMIT_S"], let s = Double(text), s.isFinite, s > 0 {
            seconds = s
        } else {
            seconds = WorkLimit.defaultSeconds
        }
    }

    /// Checks work of `units` `unitName` at about `perSecond` a second. Returns a note to print (or nil when
    /// the work is short); throws when it is over the limit and not allowed.
    public func check(_ what: String, units: Double, unitName: String, perSecond: Double, hint: String) throws(SpindleError) -> String? {
        let estimate = units / perSecond
        let text = "\(what): about \(WorkLimit.format(units)) \(unitName), roughly \(WorkLimit.describe(seconds: estimate)) of wall time"
        if !allowLong && !(estimate <= seconds) {
            throw SpindleError(
                .capacity, text + ", over the limit of \(WorkLimit.describe(seconds: seconds))",
                hint: hint + "; or pass --allow-long to run it anyway")
        }
        return estimate >= WorkLimit.noteSeconds ? text : nil
    }

    /// `3.2e9`-style counts for estimates.
    public static func format(_ x: Double) -> String {
        guard x.isFinite else { return "infinitely many" }
        if x < 1e6 { return String(Int(x.rounded())) }
        let exponent = Int(log10(x).rounded(.down))
        return Units.format(x / pow(10, Double(exponent)), 1) + "e\(exponent)"
    }

    /// Durations for people: `40 s`, `12 min`, `3.5 h`, `2.1 days`, `40 years`.
    public static func describe(seconds s: Double) -> String {
        guard s.isFinite else { return "forever" }
        switch s {
        case ..<120: return Units.format(s, 0) + " s"
        case ..<7_200: return Units.format(s / 60, 0) + " min"
        case ..<172_800: return Units.format(s / 3_600, 1) + " h"
        case ..<63_072_000: return Units.format(s / 86_400, 1) + " days"
        default: return WorkLimit.format(s / 31_536_000) + " years"
        }
    }
}
