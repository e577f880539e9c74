/// Named action counts (`dram.read.bits`, `mac.int8`, ...) that a technology table prices.
///
/// Keys are dotted action names; values are exact integer counts. Merging is commutative, so totals do not
/// depend on the order in which components report.
public struct Counters: Sendable, Equatable, Codable {
    public private(set) var values: [String: UInt64]

    public init(_ values: [String: UInt64] = [:]) { self.values = values }

    public subscript(_ key: String) -> UInt64 {
        get { values[key, default: 0] }
        set { values[key] = newValue }
    }

    public mutating func add(_ key: String, _ amount: UInt64) {
        values[key, default: 0] &+= amount
    }

    public mutating func merge(_ other: Counters) {
        for (k, v) in other.values { values[k, default: 0] &+= v }
    }

    /// Keys in sorted order, for deterministic output.
    public var sortedKeys: [String] { values.keys.sorted() }
}
