import SpindleCore

/// Everything the run model's components count: priced actions, and facts of the run (bytes moved, busy
/// time, jobs) that are reported but never priced.
public enum Counter: Hashable, Sendable {
    case action(Action)
    /// Picoseconds a tile spent computing.
    case tileBusyPs
    /// Jobs a tile completed.
    case tileJobs
    /// MACs a tile's jobs asked for (before any tile-specific accounting such as crossbar tiling).
    case tileMACs
    /// Bytes a DRAM channel read and wrote (tiles' streams and package staging).
    case dramBytesRead, dramBytesWritten
    /// Picoseconds a DRAM channel was serving requests.
    case dramBusyPs
    /// Reads and writes that hit an open row (JEDEC channels).
    case dramRowHits
    /// Flits and packets through a router, and times a packet waited for a credit.
    case nocFlits, nocPackets, nocCreditStalls
    /// Writes of every cell of a layer's crossbar share (one per programming round), for endurance.
    case xbarProgramRounds
    /// Picoseconds a chip spent in steps of a label (receiving, reducing and running).
    case stepPs
    /// Steps a chip's controller completed.
    case stepsDone
    /// When the last chip finished, and how many did.
    case runEndPs, chipsFinished

    /// The action, if this counter is one.
    public var action: Action? {
        if case .action(let a) = self { return a }
        return nil
    }

    /// The counter's name in reports and tests.
    public var name: String {
        switch self {
        case .action(let a): a.name
        case .tileBusyPs: "tile.busy_ps"
        case .tileJobs: "tile.jobs"
        case .tileMACs: "tile.macs"
        case .dramBytesRead: "dram.bytes.read"
        case .dramBytesWritten: "dram.bytes.written"
        case .dramBusyPs: "dram.busy_ps"
        case .dramRowHits: "dram.row_hits"
        case .nocFlits: "noc.flits"
        case .nocPackets: "noc.packets"
        case .nocCreditStalls: "noc.credit_stalls"
        case .xbarProgramRounds: "xbar.program_rounds"
        case .stepPs: "step_ps"
        case .stepsDone: "run.steps_done"
        case .runEndPs: "run.end_ps"
        case .chipsFinished: "run.chips_finished"
        }
    }

    /// The facts, in a fixed order (their slots in every catalogue).
    static let facts: [Counter] = [
        .tileBusyPs, .tileJobs, .tileMACs, .dramBytesRead, .dramBytesWritten, .dramBusyPs, .dramRowHits, .nocFlits,
        .nocPackets, .nocCreditStalls, .xbarProgramRounds, .stepPs, .stepsDone, .runEndPs, .chipsFinished,
    ]
}

/// The counters of one model, numbered: components count into slots by number and report `CounterKey`s
/// that this catalogue alone encodes and decodes, optionally broken down by step label.
///
/// Built once per model from its topology, before the components, and shared read-only.
public final class CounterCatalogue: Sendable {
    /// Every counter, indexed by slot.
    public let counters: [Counter]
    /// Each slot's rank when the counters are sorted by name (sums over counters run in this order, so that
    /// floating-point totals do not depend on how slots were numbered).
    public let nameRank: [Int]
    private let slotOf: [Counter: Int]

    /// A catalogue of the facts and of `actions` (duplicates ignored).
    public init(actions: [Action]) {
        var list = Counter.facts
        var seen = Set(list)
        for a in actions where seen.insert(.action(a)).inserted { list.append(.action(a)) }
        counters = list
        slotOf = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1, $0) })
        let order = list.indices.sorted { list[$0].name < list[$1].name }
        var rank = [Int](repeating: 0, count: list.count)
        for (r, slot) in order.enumerated() { rank[slot] = r }
        nameRank = rank
    }

    /// The slot of `counter`; it must be in the catalogue.
    public func slot(_ counter: Counter) -> Int {
        guard let s = slotOf[counter] else { preconditionFailure("counter \(counter.name) is not in the catalogue") }
        return s
    }

    /// The key a component reports a count under: a slot, for the whole run or for one step label.
    @inlinable
    public func key(slot: Int, label: Int? = nil) -> CounterKey {
        CounterKey(raw: UInt64(label.map { $0 + 1 } ?? 0) << 32 | UInt64(slot))
    }

    /// The key of `counter` for the whole run or one label.
    public func key(_ counter: Counter, label: Int? = nil) -> CounterKey { key(slot: slot(counter), label: label) }

    /// The key of a recorded activity value (`ActivitySeries`): a bin, a step or a job number. Activity keys
    /// have the top bit set, which no slot-and-label key has (labels are below 2^13).
    @inlinable
    public func activityKey(_ series: ActivitySeries, index: Int) -> CounterKey {
        CounterKey(raw: 1 << 63 | UInt64(series.rawValue) << 48 | UInt64(index))
    }

    /// Whether `key` is an activity key (then `decode` does not apply: use `decodeActivity`).
    @inlinable
    public func isActivity(_ key: CounterKey) -> Bool { key.raw >> 63 == 1 }

    /// The series and index of an activity key, or `nil` for any other key.
    public func decodeActivity(_ key: CounterKey) -> (series: ActivitySeries, index: Int)? {
        let series = (key.raw >> 48) & 0x7FFF
        guard isActivity(key), series <= UInt64(UInt8.max), let s = ActivitySeries(rawValue: UInt8(series)) else { return nil }
        return (s, Int(key.raw & 0xFFFF_FFFF_FFFF))
    }

    /// The slot and label (`nil`: the whole run) a key stands for; not for activity keys.
    @inlinable
    public func decode(_ key: CounterKey) -> (slot: Int, label: Int?) {
        let l = Int(key.raw >> 32)
        return (Int(key.raw & 0xFFFF_FFFF), l == 0 ? nil : l - 1)
    }
}

/// Whole-run counts by counter (step labels left out): a typed view of reported `Counters`.
public struct CounterTotals: Sendable, Equatable {
    public private(set) var values: [Counter: UInt64] = [:]

    /// The whole-run counts of `counters`, merged, decoded with `catalogue`.
    public init(_ counters: [Counters], catalogue: CounterCatalogue) {
        for c in counters {
            for (key, n) in c.values where !catalogue.isActivity(key) {
                let (slot, label) = catalogue.decode(key)
                if label == nil { values[catalogue.counters[slot], default: 0] &+= n }
            }
        }
    }

    public subscript(_ counter: Counter) -> UInt64 { values[counter, default: 0] }
    public subscript(_ action: Action) -> UInt64 { values[.action(action), default: 0] }
}
