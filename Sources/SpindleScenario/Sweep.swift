import SpindleCore

/// A scenario's sweep: the Cartesian product of its keys' values, the first key slowest, enumerated lazily
/// (a point is computed from its index, so a product of 10^9 points is never materialised).
public struct Sweep: Sendable {
    /// Each swept key with its values, in file order.
    public let keys: [(key: String, values: [Override])]
    /// Number of points, or `nil` when the product does not fit an `Int`.
    public let count: Int?

    public init(_ scenario: Scenario) {
        keys = scenario.sweep
        var n = keys.isEmpty ? 0 : 1
        var overflow = false
        for (_, values) in keys {
            let (p, o) = n.multipliedReportingOverflow(by: values.count)
            overflow = overflow || o
            n = p
        }
        count = overflow ? nil : n
    }

    /// The overrides of point `index` (0-based).
    public func point(_ index: Int) -> [Override] {
        var rest = index
        var out = [Override](repeating: Override(path: [], value: ""), count: keys.count)
        for k in keys.indices.reversed() {
            let values = keys[k].values
            out[k] = values[rest % values.count]
            rest /= values.count
        }
        return out
    }

    /// Every single value of every key, each applied alone to the base: checking these finds a bad value
    /// (at its line) without enumerating the product.
    public var singleValues: [[Override]] { keys.flatMap { $0.values.map { [$0] } } }
}

extension ScenarioLoader {
    /// The points of a scenario's sweep, materialised (for small sweeps; see `Sweep` for large ones).
    public static func sweepPoints(_ scenario: Scenario) -> [[Override]] {
        let sweep = Sweep(scenario)
        guard let n = sweep.count else { preconditionFailure("the sweep has more points than an Int holds") }
        return (0..<n).map(sweep.point)
    }
}
