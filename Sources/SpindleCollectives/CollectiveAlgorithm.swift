import SpindleCore

/// A way to run collectives over a group of endpoints: each algorithm lives in its own file.
public protocol CollectiveAlgorithm: Sendable {
    /// The name users give (`ring`, `halving-doubling`, ...).
    var name: String { get }
    /// The steps of `operation` on `bytes` over `group` (endpoint numbers; the first is the root).
    func schedule(_ operation: CollectiveOperation, bytes: Double, group: [Int]) throws(SpindleError) -> CollectiveSchedule
    /// How many transfers `schedule` makes for `operation` over `n` endpoints (0 when it does not run it),
    /// known before building it.
    func transfers(_ operation: CollectiveOperation, endpoints n: Int) -> Int
}

/// The algorithms by name.
public enum CollectiveAlgorithms {
    public static let names = ["ring", "halving-doubling", "direct", "double-binary-tree"]

    /// The algorithm called `name`; hierarchical runs are built with `HierarchicalCollective`.
    public static func named(_ name: String) throws(SpindleError) -> any CollectiveAlgorithm {
        switch name {
        case "ring": return RingCollective()
        case "halving-doubling": return HalvingDoublingCollective()
        case "direct": return DirectCollective()
        case "double-binary-tree": return DoubleBinaryTreeCollective()
        default:
            throw SpindleError(
                .invalidValue, "'\(name)' is not a collective algorithm", choices: names,
                hint: Spelling.nearest(name, in: names).map { "Did you mean '\($0)'?" })
        }
    }

    static func unsupported(_ algorithm: String, _ operation: CollectiveOperation, use: String) -> SpindleError {
        SpindleError(.unsupported, "the \(algorithm) algorithm does not run \(operation.rawValue)", hint: "Use \(use)")
    }
}
