import Foundation
import SpindleCore

/// What a finished run reports: model facts (identical for any worker count) and a profile (wall-clock).
public struct SimulationResult: Sendable {
    /// Events delivered.
    public var events: UInt64
    /// Time of the last event delivered.
    public var finalTime: Picoseconds
    /// Windows the coordinator ran.
    public var windows: UInt64
    /// Counts each component reported from `finish()`, ordered by component id.
    public var counters: [(id: ComponentID, counters: Counters)]
    /// Wall-clock facts: never compare these between runs.
    public var profile: RunProfile
}

/// Wall-clock profile of one run, per worker and per partition.
public struct RunProfile: Sendable, Codable, Equatable {
    public struct Worker: Sendable, Codable, Equatable {
        public var worker: Int
        public var partitions: [Int]
        public var events: UInt64
        public var eventsPerSecond: Double
        public var barrierWaitShare: Double
        public var windows: UInt64
        public var numaNode: Int
        public var cpu: Int
        public var pinned: Bool
        enum CodingKeys: String, CodingKey {
            case worker, partitions, events, windows, cpu, pinned
            case eventsPerSecond = "events_per_s"
            case barrierWaitShare = "barrier_wait_share"
            case numaNode = "numa_node"
        }
    }
    public struct Partition: Sendable, Codable, Equatable {
        public var partition: Int
        public var worker: Int
        public var events: UInt64
        public var eventsPerSecond: Double
        public var busyShare: Double
        enum CodingKeys: String, CodingKey {
            case partition, worker, events
            case eventsPerSecond = "events_per_s"
            case busyShare = "busy_share"
        }
    }
    public var wallSeconds: Double
    public var eventsPerSecond: Double
    public var requestedWorkers: Int
    public var activeWorkers: Int
    public var lookaheadPs: Picoseconds?
    public var numa: String
    public var peakMemoryBytes: UInt64
    public var workers: [Worker]
    public var partitions: [Partition]
    /// Per process of a distributed run (`nil` for one process).
    public var ranks: [Rank]?
    public var notes: [String]
    enum CodingKeys: String, CodingKey {
        case workers, partitions, numa, notes, ranks
        case wallSeconds = "wall_s"
        case eventsPerSecond = "events_per_s"
        case requestedWorkers = "requested_workers"
        case activeWorkers = "active_workers"
        case lookaheadPs = "lookahead_ps"
        case peakMemoryBytes = "peak_memory_bytes"
    }
}

/// A snapshot of a run in progress, for progress displays.
public struct RunProgress: Sendable {
    /// Smallest simulated time any worker has reached.
    public var time: Picoseconds
    /// Events delivered so far.
    public var events: UInt64
    /// Wall seconds since the run started.
    public var wallSeconds: Double

    public init(time: Picoseconds, events: UInt64, wallSeconds: Double) {
        self.time = time
        self.events = events
        self.wallSeconds = wallSeconds
    }
}

/// A built simulation, ready to run once.
public final class Simulation: Sendable {
    let map: SimulationMap
    let plans: [WorkerPlan]
    let executors: [WorkerExecutor]
    let stopTime: Picoseconds?
    let requestedWorkers: Int
    let notes: [String]
    let numa: NUMAPolicy
    let progressCells: [ProgressCell]
    let timeWindows: Bool
    let probe: ScalingProbe?
    /// The processes of a distributed run (`nil` for one process), their worker counts, and the process of
    /// each partition.
    let group: (any ProcessGroup)?
    let workersPerProcess: [Int]
    let processOfPartition: [Int]

    init(
        map: SimulationMap, plans: [WorkerPlan], executors: [WorkerExecutor], stopTime: Picoseconds?,
        requestedWorkers: Int, notes: [String], numa: NUMAPolicy, timeWindows: Bool, probe: ScalingProbe?,
        group: (any ProcessGroup)?,
        workersPerProcess: [Int], processOfPartition: [Int]
    ) {
        self.timeWindows = timeWindows
        self.probe = probe
        self.group = group
        self.workersPerProcess = workersPerProcess
        self.processOfPartition = processOfPartition
        self.map = map
        self.plans = plans
        self.executors = executors
        self.stopTime = stopTime
        self.requestedWorkers = requestedWorkers
        self.notes = notes
        self.numa = numa
        self.progressCells = plans.map { _ in ProgressCell() }
    }

    /// The lookahead (minimum cross-partition link latency); `nil` when no link crosses partitions.
    public var lookahead: Picoseconds? { map.lookahead == .max ? nil : map.lookahead }

    /// Partitions this process runs (all of them, unless the run is distributed).
    public var localPartitions: [Int] { plans.flatMap { $0.partitions.map { Int($0.raw) } } }

    /// Runs to completion (no events left, or the stop time), calling `progress` about every
    /// `progressInterval` seconds from another task.
    ///
    /// In a distributed run every process calls `run` once; each returns the whole run's result (counters of
    /// every component, all events), the same on every process.
    public func run(
        progressInterval: Double = 0.2, progress: (@Sendable (RunProgress) -> Void)? = nil
    ) async -> SimulationResult {
        let hierarchical = group.map { HierarchicalTransport(group: $0, workersPerProcess: workersPerProcess, map: map) }
        let transport: any WindowTransport = hierarchical ?? SharedMemoryTransport(ranks: plans.count)
        if let group {
            // Start together: processes finish building at different times, and the wall time and the profile's
            // waiting shares should count from a common start.
            _ = await onOwnThread(named: "spindle-start") { group.allGather([]) }
        }
        let start = monotonicNs()
        let cells = progressCells
        let watcher: Task<Void, Never>? = progress.map { report in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(progressInterval * 1e9))
                    if Task.isCancelled { break }
                    let time = cells.map { $0.time.load(ordering: .relaxed) }.min() ?? 0
                    let events = cells.reduce(0) { $0 + $1.events.load(ordering: .relaxed) }
                    report(RunProgress(time: time, events: events, wallSeconds: Double(monotonicNs() - start) / 1e9))
                }
            }
        }
        let outcomes = await withTaskGroup(of: WorkerOutcome.self) { group in
            for (rank, plan) in plans.enumerated() {
                let agent = WorkerAgent(executor: executors[rank])
                let map = self.map
                let stop = stopTime
                let timed = timeWindows
                let cell = cells[rank]
                let probe = self.probe
                group.addTask {
                    await agent.run(
                        plan: plan, map: map, transport: transport, stopTime: stop, timed: timed, progress: cell, probe: probe)
                }
            }
            var all: [WorkerOutcome] = []
            for await o in group { all.append(o) }
            return all.sorted { $0.rank < $1.rank }
        }
        watcher?.cancel()
        for e in executors { e.stop() }
        let wall = Double(monotonicNs() - start) / 1e9
        guard let group, let hierarchical else { return assemble(outcomes, wall: wall) }
        // The gather blocks until every process arrives.
        return await onOwnThread(named: "spindle-gather") { [self] in
            gather(outcomes, group: group, transport: hierarchical, started: start)
        }
    }

    func assemble(_ outcomes: [WorkerOutcome], wall: Double, ranks: [RunProfile.Rank]? = nil) -> SimulationResult {
        var events: UInt64 = 0
        var final: Picoseconds = 0
        var counters: [(id: ComponentID, counters: Counters)] = []
        var workers: [RunProfile.Worker] = []
        var partitions: [RunProfile.Partition] = []
        for o in outcomes {
            events += o.events
            final = max(final, o.finalTime)
            counters += o.counters
            let runNs = max(o.runNs, 1)
            workers.append(
                RunProfile.Worker(
                    worker: o.rank, partitions: o.partitions.map { $0.partition }, events: o.events,
                    eventsPerSecond: Double(o.events) / (Double(runNs) / 1e9),
                    barrierWaitShare: Double(o.barrierNs) / Double(runNs), windows: o.windows,
                    numaNode: o.numaNode, cpu: o.cpu, pinned: o.pinned))
            for p in o.partitions {
                partitions.append(
                    RunProfile.Partition(
                        partition: p.partition, worker: o.rank, events: p.events,
                        eventsPerSecond: p.busyNs > 0 ? Double(p.events) / (Double(p.busyNs) / 1e9) : 0,
                        busyShare: Double(p.busyNs) / Double(runNs)))
            }
        }
        counters.sort { $0.id < $1.id }
        partitions.sort { $0.partition < $1.partition }
        workers.sort { $0.worker < $1.worker }
        var notes = self.notes
        if let ranks { notes += RunProfile.Rank.layoutNotes(ranks) }
        let profile = RunProfile(
            wallSeconds: wall, eventsPerSecond: Double(events) / max(wall, 1e-9), requestedWorkers: requestedWorkers,
            activeWorkers: workers.count, lookaheadPs: lookahead, numa: numa.description,
            peakMemoryBytes: ranks?.map(\.peakMemoryBytes).max() ?? peakMemoryBytes(), workers: workers, partitions: partitions,
            ranks: ranks, notes: notes)
        return SimulationResult(
            events: events, finalTime: final, windows: outcomes.first?.windows ?? 0, counters: counters,
            profile: profile)
    }
}

/// Peak resident memory of this process, in bytes.
public func peakMemoryBytes() -> UInt64 {
    var usage = rusage()
    #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return UInt64(max(usage.ru_maxrss, 0)) * 1024
    #else
        getrusage(RUSAGE_SELF, &usage)
        return UInt64(max(usage.ru_maxrss, 0))
    #endif
}

struct WorkerOutcome: Sendable {
    struct PartitionStats: Sendable {
        var partition: Int
        var events: UInt64
        var busyNs: UInt64
    }
    var rank: Int
    var events: UInt64
    var finalTime: Picoseconds
    var windows: UInt64
    var counters: [(id: ComponentID, counters: Counters)]
    var partitions: [PartitionStats]
    var runNs: UInt64
    var barrierNs: UInt64
    var numaNode: Int
    var cpu: Int
    var pinned: Bool
}

/// The per-worker state that lives on the worker's thread for one run.
final class WorkerRuntime {
    let rank: Int
    let map: SimulationMap
    var partitions: [EventContext] = []
    /// Index into `partitions` of each global partition, or -1 for partitions of other workers.
    var localPartition: [Int]
    var outgoing: [[Event]]
    var outgoingMin: Picoseconds = .max
    /// The scaling probe of a one-worker run, and the partition running now (for its crossing events).
    var probe: ScalingProbe?
    var currentPartition = 0

    init(rank: Int, ranks: Int, map: SimulationMap) {
        self.rank = rank
        self.map = map
        localPartition = Array(repeating: -1, count: map.workerOf.count)
        outgoing = Array(repeating: [], count: ranks)
    }

    /// Routes an event to another partition: directly into its heap when this worker runs it (safe,
    /// because it is at or after the window's end), otherwise into the outbox for its worker.
    func post(_ event: Event, toPartition p: Int) {
        let w = map.workerOf[p]
        if let probe { probe.crossed(from: currentPartition, to: p) }
        if w == rank {
            partitions[localPartition[p]].heap.push(event)
        } else {
            outgoing[w].append(event)
            if event.time < outgoingMin { outgoingMin = event.time }
        }
    }

    func deliverIncoming(_ events: [Event]) {
        for e in events {
            let p = Int(map.partitionOf[Int(e.target.raw)])
            partitions[localPartition[p]].heap.push(e)
        }
    }
}

/// Runs one worker's share of the simulation as a single job on the worker's executor.
actor WorkerAgent {
    nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(executor: WorkerExecutor) { self.executor = executor }

    func run(
        plan: WorkerPlan, map: SimulationMap, transport: any WindowTransport, stopTime: Picoseconds?, timed: Bool,
        progress: ProgressCell, probe: ScalingProbe?
    ) -> WorkerOutcome {
        let placement = NUMA.currentPlacement()
        let runtime = WorkerRuntime(rank: plan.rank, ranks: transport.ranks, map: map)
        runtime.probe = probe
        for (i, pid) in plan.partitions.enumerated() {
            let ctx = EventContext(
                partition: pid, map: map, components: plan.components[i], sequences: plan.sequences[i])
            for c in plan.components[i] { c.verifyExecutor() }
            ctx.worker = runtime
            for e in plan.initial[i] { ctx.scheduleInitial(e) }
            runtime.localPartition[Int(pid.raw)] = i
            runtime.partitions.append(ctx)
        }
        let lastTime = stopTime ?? (.max - 1)
        var incoming: [Event] = []
        var barrierNs: UInt64 = 0
        var windows: UInt64 = 0
        let started = monotonicNs()
        let heapsMin = { runtime.partitions.reduce(Picoseconds.max) { min($0, $1.heap.minTime) } }
        var next = transport.exchange(
            rank: plan.rank, outgoing: &runtime.outgoing, localNext: heapsMin(), incoming: &incoming)
        var busy = [UInt64](repeating: 0, count: runtime.partitions.count)
        while next <= lastTime {
            let (sum, overflow) = next.addingReportingOverflow(map.lookahead)
            let end = min(overflow ? .max : sum, lastTime + 1)
            for (i, ctx) in runtime.partitions.enumerated() {
                if probe != nil { runtime.currentPartition = Int(ctx.partition.raw) }
                if timed {
                    let t0 = monotonicNs()
                    ctx.runWindow(until: end, progress: progress)
                    busy[i] &+= monotonicNs() &- t0
                } else {
                    ctx.runWindow(until: end, progress: progress)
                }
            }
            windows += 1
            if let probe { probe.endWindow(runtime.partitions) }
            let localNext = min(heapsMin(), runtime.outgoingMin)
            runtime.outgoingMin = .max
            let b0 = timed ? monotonicNs() : 0
            next = transport.exchange(
                rank: plan.rank, outgoing: &runtime.outgoing, localNext: localNext, incoming: &incoming)
            if timed { barrierNs &+= monotonicNs() &- b0 }
            if !incoming.isEmpty {
                runtime.deliverIncoming(incoming)
                incoming.removeAll(keepingCapacity: true)
            }
        }
        let runNs = monotonicNs() - started
        var counters: [(id: ComponentID, counters: Counters)] = []
        var stats: [WorkerOutcome.PartitionStats] = []
        var events: UInt64 = 0
        var finalTime: Picoseconds = 0
        for (i, ctx) in runtime.partitions.enumerated() {
            for c in ctx.components { counters.append((c.id, c.collect())) }
            stats.append(.init(partition: Int(ctx.partition.raw), events: ctx.eventsHandled, busyNs: busy[i]))
            events += ctx.eventsHandled
            if ctx.eventsHandled > 0 { finalTime = max(finalTime, ctx.now) }
        }
        let endPlacement = NUMA.currentPlacement()
        return WorkerOutcome(
            rank: plan.rank, events: events, finalTime: finalTime, windows: windows, counters: counters,
            partitions: stats, runNs: runNs, barrierNs: barrierNs,
            numaNode: endPlacement.node >= 0 ? endPlacement.node : placement.node, cpu: endPlacement.cpu,
            pinned: executor.numaNode != nil)
    }
}
