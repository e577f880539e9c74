import Foundation
import SpindleCore

extension RunProfile {
    /// One process of a distributed run.
    public struct Rank: Sendable, Codable, Equatable {
        public var rank: Int
        public var host: String
        /// The partitions (chips) this rank runs: the partition-to-rank map.
        public var partitions: [Int]
        public var workers: Int
        public var events: UInt64
        public var eventsPerSecond: Double
        /// Share of the run in moving events to other ranks, and in the collective that agrees on the next
        /// window (which includes waiting for the slowest rank).
        public var exchangeShare: Double
        public var reductionWaitShare: Double
        public var bytesSentPerWindow: Double
        public var eventsSentPerWindow: Double
        public var windows: UInt64
        public var numaNode: Int
        public var peakMemoryBytes: UInt64
        enum CodingKeys: String, CodingKey {
            case rank, host, partitions, workers, events, windows
            case eventsPerSecond = "events_per_s"
            case exchangeShare = "exchange_share"
            case reductionWaitShare = "reduction_wait_share"
            case bytesSentPerWindow = "bytes_sent_per_window"
            case eventsSentPerWindow = "events_sent_per_window"
            case numaNode = "numa_node"
            case peakMemoryBytes = "peak_memory_bytes"
        }

        /// What a user should know about the layout: ranks without partitions, and one rank with far more
        /// than its share of the events.
        static func layoutNotes(_ ranks: [Rank]) -> [String] {
            guard ranks.count > 1 else { return [] }
            var notes: [String] = []
            let idle = ranks.filter { $0.partitions.isEmpty }.map(\.rank)
            if !idle.isEmpty {
                notes.append(
                    "rank(s) \(idle.map(String.init).joined(separator: ", ")) run no partition: there are more ranks than chips; "
                        + "they only take part in the window exchanges")
            }
            let total = ranks.reduce(UInt64(0)) { $0 + $1.events }
            if total > 0, let top = ranks.max(by: { $0.events < $1.events }) {
                let share = Double(top.events) / Double(total)
                let fair = 1 / Double(ranks.count)
                if share > 1.5 * fair {
                    notes.append(
                        "unbalanced ranks: rank \(top.rank) handled \(Units.format(share * 100, 1)) % of the events (an even share is "
                            + "\(Units.format(fair * 100, 1)) %), so the others wait for it at every window; "
                            + "the run cannot be more than \(Units.format(1 / share, 2))x faster than one rank")
                }
            }
            return notes
        }
    }
}

/// One process's share of a finished distributed run, as bytes for the all-gather that gives every process
/// the whole result.
struct ProcessShare {
    var outcomes: [WorkerOutcome]
    var rank: RunProfile.Rank

    /// Encodes as 64-bit words (little-endian, this build's layout) followed by the host name.
    func encoded() -> [UInt8] {
        var w: [UInt64] = []
        func put(_ x: UInt64) { w.append(x) }
        func put(_ x: Int) { w.append(UInt64(bitPattern: Int64(x))) }
        put(outcomes.count)
        for o in outcomes {
            put(o.rank)
            put(o.events)
            put(o.finalTime)
            put(o.windows)
            put(o.runNs)
            put(o.barrierNs)
            put(o.numaNode)
            put(o.cpu)
            put(o.pinned ? 1 : 0)
            put(o.partitions.count)
            for p in o.partitions {
                put(p.partition)
                put(p.events)
                put(p.busyNs)
            }
            put(o.counters.count)
            for (id, counters) in o.counters {
                put(UInt64(id.raw))
                let keys = counters.sortedKeys
                put(keys.count)
                for k in keys {
                    put(k.raw)
                    put(counters[k])
                }
            }
        }
        let r = rank
        put(r.rank)
        put(r.workers)
        put(r.events)
        put(r.eventsPerSecond.bitPattern)
        put(r.exchangeShare.bitPattern)
        put(r.reductionWaitShare.bitPattern)
        put(r.bytesSentPerWindow.bitPattern)
        put(r.eventsSentPerWindow.bitPattern)
        put(r.windows)
        put(r.numaNode)
        put(r.peakMemoryBytes)
        put(r.partitions.count)
        for p in r.partitions { put(p) }
        var bytes = w.withUnsafeBytes { [UInt8]($0) }
        bytes += Array(r.host.utf8)
        return bytes
    }

    /// Decodes what `encoded` wrote (in a process of the same build).
    init(decoding bytes: [UInt8]) {
        var i = 0
        func word() -> UInt64 {
            var x: UInt64 = 0
            withUnsafeMutableBytes(of: &x) { $0.copyBytes(from: bytes[(i * 8)..<(i * 8 + 8)]) }
            i += 1
            return x
        }
        func int() -> Int { Int(Int64(bitPattern: word())) }
        var outcomes: [WorkerOutcome] = []
        for _ in 0..<int() {
            let rank = int(), events = word(), finalTime = word(), windows = word(), runNs = word(), barrierNs = word()
            let numaNode = int(), cpu = int(), pinned = word() == 1
            var partitions: [WorkerOutcome.PartitionStats] = []
            for _ in 0..<int() { partitions.append(.init(partition: int(), events: word(), busyNs: word())) }
            var counters: [(id: ComponentID, counters: Counters)] = []
            for _ in 0..<int() {
                let id = ComponentID(UInt32(word()))
                var c = Counters()
                for _ in 0..<int() {
                    let k = CounterKey(raw: word())
                    c[k] = word()
                }
                counters.append((id, c))
            }
            outcomes.append(
                WorkerOutcome(
                    rank: rank, events: events, finalTime: finalTime, windows: windows, counters: counters, partitions: partitions,
                    runNs: runNs, barrierNs: barrierNs, numaNode: numaNode, cpu: cpu, pinned: pinned))
        }
        let rank = int(), workers = int(), events = word()
        let eventsPerSecond = Double(bitPattern: word()), exchangeShare = Double(bitPattern: word())
        let reductionWaitShare = Double(bitPattern: word()), bytesPerWindow = Double(bitPattern: word())
        let eventsPerWindow = Double(bitPattern: word())
        let windows = word(), numaNode = int(), peak = word()
        var parts: [Int] = []
        for _ in 0..<int() { parts.append(int()) }
        let host = String(decoding: bytes[(i * 8)...], as: UTF8.self)
        self.outcomes = outcomes
        self.rank = RunProfile.Rank(
            rank: rank, host: host, partitions: parts, workers: workers, events: events, eventsPerSecond: eventsPerSecond,
            exchangeShare: exchangeShare, reductionWaitShare: reductionWaitShare, bytesSentPerWindow: bytesPerWindow,
            eventsSentPerWindow: eventsPerWindow, windows: windows, numaNode: numaNode, peakMemoryBytes: peak)
    }

    init(outcomes: [WorkerOutcome], rank: RunProfile.Rank) {
        self.outcomes = outcomes
        self.rank = rank
    }
}

extension Simulation {
    /// Gathers every process's outcomes so each process holds the whole run's result.
    func gather(
        _ outcomes: [WorkerOutcome], group: any ProcessGroup, transport: HierarchicalTransport, started: UInt64
    ) -> SimulationResult {
        let runNs = max(outcomes.map(\.runNs).max() ?? 1, 1)
        let events = outcomes.reduce(UInt64(0)) { $0 + $1.events }
        let windows = max(outcomes.first?.windows ?? 0, 1)
        let t = transport.timing
        let mine = RunProfile.Rank(
            rank: group.rank, host: hostName(),
            partitions: processOfPartition.indices.filter { processOfPartition[$0] == group.rank }, workers: outcomes.count,
            events: events, eventsPerSecond: Double(events) / (Double(runNs) / 1e9),
            exchangeShare: Double(t.transferNs) / Double(runNs), reductionWaitShare: Double(t.reduceNs) / Double(runNs),
            bytesSentPerWindow: Double(t.bytesSent) / Double(windows), eventsSentPerWindow: Double(t.eventsSent) / Double(windows),
            windows: outcomes.first?.windows ?? 0, numaNode: outcomes.first?.numaNode ?? -1, peakMemoryBytes: peakMemoryBytes())
        let shares = group.allGather(ProcessShare(outcomes: outcomes, rank: mine).encoded()).map(ProcessShare.init(decoding:))
        let wall = Double(monotonicNs() - started) / 1e9
        return assemble(shares.flatMap(\.outcomes), wall: wall, ranks: shares.map(\.rank))
    }
}

/// This machine's host name, without a name lookup.
func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "?" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
