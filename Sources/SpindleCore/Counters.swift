/// Identifies one count a component reports. The model that builds the components says what each key
/// means (SpindleHardware: `CounterCatalogue`); the engine only carries keys and values.
public struct CounterKey: Hashable, Comparable, Sendable {
    public var raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
    @inlinable public static func < (a: CounterKey, b: CounterKey) -> Bool { a.raw < b.raw }
}

/// The counts one component reports after a run: exact integers under keys its model defines.
///
/// Merging is commutative, so totals do not depend on the order in which components report.
public struct Counters: Sendable, Equatable {
    public private(set) var values: [CounterKey: UInt64]

    public init(_ values: [CounterKey: UInt64] = [:]) { self.values = values }

    public subscript(_ key: CounterKey) -> UInt64 {
        get { values[key, default: 0] }
        set { values[key] = newValue }
    }

    public mutating func add(_ key: CounterKey, _ amount: UInt64) {
        values[key, default: 0] &+= amount
    }

    public mutating func merge(_ other: Counters) {
        for (k, v) in other.values { values[k, default: 0] &+= v }
    }

    /// Keys in ascending order, for deterministic iteration.
    public var sortedKeys: [CounterKey] { values.keys.sorted() }
}
