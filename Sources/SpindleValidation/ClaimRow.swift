import SpindleCore

/// One claim of a paper set against Spindle's figure for it: what the paper says, what Spindle computes under
/// stated assumptions, their ratio, how the metric is defined, and how the ratio moves when an assumption
/// changes.
public struct ClaimRow: Sendable, Codable, Equatable {
    /// Whether the paper defines the setting the claim was measured in.
    public enum Setting: String, Sendable, Codable {
        /// Workload, hardware and metric are known: Spindle's figure should be within 2x of the paper's.
        case defined
        /// Some of them are unknown: the row names the assumption that decides the figure.
        case undefined
    }

    /// The figure when one assumption changes.
    public struct Sensitivity: Sendable, Codable, Equatable {
        /// The assumption and its changed value (`batch 8 instead of 1`).
        public var change: String
        public var spindle: Double
        public var ratio: Double?
        public init(change: String, spindle: Double, ratio: Double?) {
            self.change = change
            self.spindle = spindle
            self.ratio = ratio
        }
    }

    /// Stable identifier (`smartdeal.inference.energy.dram`).
    public var id: String
    /// The claim in words, with its source.
    public var claim: String
    /// The paper's figure (`nil` when it gives a range or no number; `paperText` says which).
    public var paper: Double?
    /// The paper's figure as the paper states it (`up to 2.44x`, `14-40x`).
    public var paperText: String
    /// A range the paper gives instead of one figure (`nil` otherwise).
    public var paperRange: ClosedRange<Double>?
    /// Spindle's figure, in `unit`.
    public var spindle: Double
    /// Spindle's figure over the paper's (`nil` without a paper figure).
    public var ratio: Double?
    public var unit: String
    /// How the metric is computed, in words.
    public var definition: String
    /// The scenario files (and overrides) the figure comes from.
    public var scenario: String
    public var setting: Setting
    /// The assumptions the figure rests on; for an undefined setting the first is the one that decides it.
    public var assumptions: [String]
    public var sensitivity: [Sensitivity]

    public init(
        id: String, claim: String, paper: Double?, paperRange: ClosedRange<Double>? = nil, paperText: String, spindle: Double, unit: String,
        definition: String, scenario: String, setting: Setting, assumptions: [String], sensitivity: [Sensitivity] = []
    ) {
        self.id = id
        self.claim = claim
        self.paper = paper
        self.paperRange = paperRange
        self.paperText = paperText
        self.spindle = spindle
        self.ratio = paper.map { spindle / $0 }
        self.unit = unit
        self.definition = definition
        self.scenario = scenario
        self.setting = setting
        self.assumptions = assumptions
        self.sensitivity = sensitivity
    }

    /// Whether Spindle's figure is within a factor 2 of the paper's (`nil` without a paper figure).
    public var withinTwo: Bool? { ratio.map { $0 >= 0.5 && $0 <= 2 } }

    /// A short verdict: within or outside 2x, or, for a range, inside or outside it.
    public var verdict: String {
        if let w = withinTwo { return w ? "within 2x" : (setting == .defined ? "outside 2x" : "outside 2x (setting undefined)") }
        if let r = paperRange { return r.contains(spindle) ? "inside the paper's range" : "outside the paper's range" }
        return "no paper figure"
    }

    enum CodingKeys: String, CodingKey {
        case id, claim, paper, spindle, ratio, unit, definition, scenario, setting, assumptions, sensitivity, verdict
        case paperText = "paper_text"
        case paperRange = "paper_range"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(claim, forKey: .claim)
        try c.encode(paper, forKey: .paper)
        try c.encode(paperText, forKey: .paperText)
        try c.encode(paperRange.map { [$0.lowerBound, $0.upperBound] }, forKey: .paperRange)
        try c.encode(spindle, forKey: .spindle)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(unit, forKey: .unit)
        try c.encode(definition, forKey: .definition)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(setting, forKey: .setting)
        try c.encode(assumptions, forKey: .assumptions)
        try c.encode(sensitivity, forKey: .sensitivity)
        try c.encode(verdict, forKey: .verdict)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        claim = try c.decode(String.self, forKey: .claim)
        paper = try c.decodeIfPresent(Double.self, forKey: .paper)
        paperText = try c.decode(String.self, forKey: .paperText)
        paperRange = try c.decodeIfPresent([Double].self, forKey: .paperRange).flatMap {
            $0.count == 2 && $0[0] <= $0[1] ? $0[0]...$0[1] : nil
        }
        spindle = try c.decode(Double.self, forKey: .spindle)
        ratio = try c.decodeIfPresent(Double.self, forKey: .ratio)
        unit = try c.decode(String.self, forKey: .unit)
        definition = try c.decode(String.self, forKey: .definition)
        scenario = try c.decode(String.self, forKey: .scenario)
        setting = try c.decode(Setting.self, forKey: .setting)
        assumptions = try c.decode([String].self, forKey: .assumptions)
        sensitivity = try c.decode([Sensitivity].self, forKey: .sensitivity)
    }
}
