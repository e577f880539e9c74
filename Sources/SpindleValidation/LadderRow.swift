import Foundation
import SpindleCore

/// One check of the validation ladder: a peer's reference figure, Spindle's, the error and the tolerance.
public struct LadderRow: Sendable, Codable, Equatable {
    /// How a row's error is measured and bounded.
    public enum Tolerance: Sendable, Codable, Equatable {
        /// |spindle - reference| / |reference| <= bound.
        case relative(Double)
        /// |spindle - reference| <= bound, in the row's unit.
        case absolute(Double)
        /// spindle == reference.
        case exact

        /// The error of `spindle` against `reference` in this tolerance's terms.
        public func error(_ spindle: Double, _ reference: Double) -> Double {
            switch self {
            case .relative: reference == 0 ? (spindle == 0 ? 0 : .infinity) : (spindle - reference) / abs(reference)
            case .absolute, .exact: spindle - reference
            }
        }

        /// Whether the error is within the bound (a bound met up to rounding, like 0.28 - 0.25 against 0.03, is met).
        public func admits(_ error: Double) -> Bool {
            switch self {
            case .relative(let b), .absolute(let b): abs(error) <= b * (1 + 1e-9) + 1e-12
            case .exact: error == 0
            }
        }

        /// `±10 %`, `±0.03`, `exact`.
        public var text: String {
            switch self {
            case .relative(let b): b < 0.001 ? "±" + String(format: "%.0e", b) : "±\(Units.format(b * 100, b < 0.01 ? 1 : 0)) %"
            case .absolute(let b): "±\(Units.format(b, 3))"
            case .exact: "exact"
            }
        }
    }

    /// The peer simulator or closed form (`BookSim2`, `DRAMsim3`, `SCALE-Sim v2`, `closed form`).
    public var peer: String
    /// The case: configuration and operating point (`torus88 load 0.10`).
    public var name: String
    /// What is compared (`avg packet latency`).
    public var metric: String
    public var unit: String
    public var reference: Double
    public var spindle: Double
    /// In the tolerance's terms: relative (0.05 = 5 %) or absolute.
    public var error: Double
    public var tolerance: Tolerance
    public var pass: Bool
    /// The reference file the figure comes from, relative to the data folder.
    public var source: String

    public init(
        peer: String, name: String, metric: String, unit: String, reference: Double, spindle: Double, tolerance: Tolerance, source: String
    ) {
        self.peer = peer
        self.name = name
        self.metric = metric
        self.unit = unit
        self.reference = reference
        self.spindle = spindle
        self.tolerance = tolerance
        self.source = source
        error = tolerance.error(spindle, reference)
        pass = spindle.isFinite && tolerance.admits(error)
    }
}
