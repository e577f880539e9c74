/// The collective operations, with the `bytes` each is sized by.
///
/// `bytes` is the buffer of one endpoint: all-reduce and broadcast reduce or copy `bytes`; reduce-scatter
/// starts from `bytes` and leaves `bytes / n`; all-gather ends with `bytes` (from `bytes / n` each);
/// all-to-all sends `bytes / n` to every endpoint (NCCL's and ASTRA-sim's sizing).
public enum CollectiveOperation: String, Sendable, CaseIterable, Codable {
    case allReduce = "all-reduce"
    case reduceScatter = "reduce-scatter"
    case allGather = "all-gather"
    case allToAll = "all-to-all"
    case broadcast
}

/// One transfer of a collective: `bytes` from one endpoint to another.
public struct CollectiveTransfer: Sendable, Equatable {
    public var source: Int, destination: Int
    public var bytes: Double
    public init(_ source: Int, _ destination: Int, bytes: Double) {
        self.source = source
        self.destination = destination
        self.bytes = bytes
    }
}

/// A collective as steps: an endpoint starts its transfers of step k + 1 once its transfers of step k have
/// left it and those to it have arrived.
public struct CollectiveSchedule: Sendable, Equatable {
    public var steps: [[CollectiveTransfer]]
    public init(steps: [[CollectiveTransfer]] = []) { self.steps = steps }

    /// Steps run one after the other.
    public static func + (a: CollectiveSchedule, b: CollectiveSchedule) -> CollectiveSchedule {
        CollectiveSchedule(steps: a.steps + b.steps)
    }

    /// Schedules on disjoint endpoints run side by side: step k of each joined into one step.
    public static func parallel(_ parts: [CollectiveSchedule]) -> CollectiveSchedule {
        let count = parts.map(\.steps.count).max() ?? 0
        return CollectiveSchedule(steps: (0..<count).map { k in parts.flatMap { k < $0.steps.count ? $0.steps[k] : [] } })
    }

    /// Bytes sent in all.
    public var bytes: Double { steps.joined().reduce(0) { $0 + $1.bytes } }
}
