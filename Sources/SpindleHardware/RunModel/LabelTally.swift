import SpindleCore

/// A count per step label, grown as labels appear (routers and DRAM channels count bits and bytes per
/// label as packets pass).
struct LabelTally {
    private(set) var values: [UInt64] = []
    /// Whether `add` was ever called (a count of zero is still reported).
    private(set) var touched = false

    @inline(__always)
    mutating func add(_ label: Int, _ n: UInt64) {
        touched = true
        if label >= values.count { grow(to: label + 1) }
        values.withUnsafeMutableBufferPointer { $0[label] &+= n }
    }

    private mutating func grow(to count: Int) {
        values += [UInt64](repeating: 0, count: count - values.count)
    }

    subscript(_ label: Int) -> UInt64 { label < values.count ? values[label] : 0 }

    /// The sum over labels.
    var total: UInt64 { values.reduce(0, &+) }

    /// Writes every non-zero label's count, times `scale`, under `slot` of `catalogue`.
    func emit(slot: Int, into c: inout Counters, _ catalogue: CounterCatalogue, scale: UInt64 = 1) {
        for (l, n) in values.enumerated() where n > 0 { c[catalogue.key(slot: slot, label: l)] = n * scale }
    }
}
