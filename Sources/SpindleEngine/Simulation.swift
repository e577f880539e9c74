import Foundation
import SpindleCore

/// Settings of the engine itself (not of the model).
public struct EngineOptions: Sendable {
    /// Worker threads. Workers beyond the number of partitions stay idle and are not started.
    public var workers: Int
    /// NUMA placement of worker threads.
    public var numa: NUMAPolicy
    /// Events later than this time are not delivered (`nil` runs until no event is left).
    public var stopTime: Picoseconds?
    /// Time every window's work and barrier wait, for the profile's busy and barrier shares. Off, a run
    /// saves two clock reads per partition per window, and the profile reports those shares as 0.
    public var timeWindows = true
    /// The processes of a distributed run (`nil`: this process alone). Each process runs `workers` threads
    /// for its share of the partitions; results are the same for any number of processes.
    public var group: (any ProcessGroup)?
    /// Measures how the run's work would fall on the ranks of other layouts (one worker, one process only).
    public var probe: ScalingProbe?

    public init(
        workers: Int = EngineOptions.defaultWorkers, numa: NUMAPolicy = .off, stopTime: Picoseconds? = nil,
        group: (any ProcessGroup)? = nil
    ) {
        self.workers = workers
        self.numa = numa
        self.stopTime = stopTime
        self.group = group
    }

    /// The number of active processor cores.
    public static var defaultWorkers: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Builds a simulation: partitions, component slots, links and initial events.
///
/// ```swift
/// let builder = try SimulationBuilder(options: EngineOptions(workers: 2))
/// let p = builder.addPartition()
/// let counter = Counter(slot: builder.makeSlot(in: p))
/// builder.add(counter)
/// builder.schedule(to: counter.id, at: 0, Message(kind: 1))
/// let result = try await builder.build().run()
/// ```
public final class SimulationBuilder {
    public let options: EngineOptions
    /// Notes for the user about the engine set-up (for example NUMA not available).
    public private(set) var notes: [String] = []
    private let executors: [WorkerExecutor]
    private var partitionOf: [UInt32] = []
    private var localIndexOf: [UInt32] = []
    private var partitionSizes: [Int] = []
    private var components: [(any Component)?] = []
    private var initial: [[Event]] = []
    private var initialSequence: [UInt64] = []
    private var lookahead: Picoseconds = .max
    /// The worker of each planned partition (`planPartitions`); partitions beyond it go round-robin.
    private var assignment: [Int] = []
    /// In a distributed run: the process of each planned partition (`planProcesses`), and the partition's
    /// place among its process's partitions; partitions beyond it go to processes round-robin.
    private var processAssignment: [Int] = []
    private var indexInProcess: [Int] = []
    /// This process's rank and the number of processes.
    private let process: Int
    private let processes: Int

    /// Creates a builder; fails when the worker count or NUMA request is invalid.
    public init(options: EngineOptions) throws(SpindleError) {
        guard options.workers >= 1 else {
            throw SpindleError(.invalidValue, "--workers must be at least 1 (got \(options.workers))")
        }
        guard options.workers <= 1024 else {
            throw SpindleError(.invalidValue, "--workers must be at most 1024 (got \(options.workers))")
        }
        if options.probe != nil, options.workers != 1 || (options.group?.size ?? 1) > 1 {
            throw SpindleError(.invalidValue, "a scaling probe needs a run of one worker in one process (got \(options.workers) workers)")
        }
        self.options = options
        process = options.group?.rank ?? 0
        processes = options.group?.size ?? 1
        let (nodes, note) = try NUMA.plan(options.numa, workers: options.workers)
        if let note { notes.append(note) }
        executors = (0..<options.workers).map { WorkerExecutor(index: $0, numaNode: nodes[$0]) }
    }

    /// Number of partitions added so far.
    public var partitionCount: Int { partitionSizes.count }

    /// Decides, before any partition is added, which worker runs each of the next `weights.count`
    /// partitions: `partitioner` shares them out by their expected work (`weights`, in any unit). Without a
    /// plan, partitions go to workers round-robin in the order they are added. Which worker runs a partition
    /// never changes the results.
    public func planPartitions(weights: [Double], partitioner: any Partitioner) {
        precondition(partitionSizes.isEmpty, "plan the partitions before adding any")
        assignment = partitioner.assign(weights: weights, workers: options.workers)
    }

    /// Decides, before any partition is added, which process of a distributed run runs each of the next
    /// `weights.count` partitions (`partitioner` shares them out by expected work, as `planPartitions` does
    /// for workers). Within a process, its partitions go to its workers round-robin. Without a plan,
    /// partitions go to processes round-robin. Which process runs a partition never changes the results.
    public func planProcesses(weights: [Double], partitioner: any Partitioner) {
        precondition(partitionSizes.isEmpty, "plan the partitions before adding any")
        processAssignment = partitioner.assign(weights: weights, workers: processes)
        var seen = [Int](repeating: 0, count: processes)
        indexInProcess = processAssignment.map { q in
            defer { seen[q] += 1 }
            return seen[q]
        }
    }

    /// Adds a partition.
    public func addPartition() -> PartitionID {
        partitionSizes.append(0)
        initial.append([])
        return PartitionID(UInt32(partitionSizes.count - 1))
    }

    /// Reserves the next component identifier in `partition`.
    public func makeSlot(in partition: PartitionID) -> ComponentSlot {
        precondition(Int(partition.raw) < partitionSizes.count, "unknown partition \(partition)")
        let id = ComponentID(UInt32(partitionOf.count))
        partitionOf.append(partition.raw)
        localIndexOf.append(UInt32(partitionSizes[Int(partition.raw)]))
        partitionSizes[Int(partition.raw)] += 1
        components.append(nil)
        initialSequence.append(0)
        return ComponentSlot(id: id, partition: partition, executor: executor(for: partition))
    }

    /// Registers a component created from a slot of this builder.
    public func add(_ component: any Component) {
        let i = Int(component.id.raw)
        precondition(i < components.count && components[i] == nil, "component \(component.id) added twice or has no slot")
        components[i] = component
    }

    /// The partition a component was placed in.
    public func partition(of id: ComponentID) -> PartitionID { PartitionID(partitionOf[Int(id.raw)]) }

    /// Declares a link of the given latency from `a` to `b`. Links that cross partitions set the lookahead.
    public func connect(_ a: ComponentID, _ b: ComponentID, latency: Picoseconds) throws(SpindleError) {
        guard partitionOf[Int(a.raw)] != partitionOf[Int(b.raw)] else { return }
        guard latency > 0 else {
            throw SpindleError(
                .invalidValue,
                "a link of zero latency joins \(a) in partition p\(partitionOf[Int(a.raw)]) and \(b) in partition p\(partitionOf[Int(b.raw)])",
                expected: "a positive latency on every link between partitions (it is the lookahead that lets partitions run in parallel)")
        }
        lookahead = min(lookahead, latency)
    }

    /// Schedules an event before the run; its source is the target itself.
    public func schedule(to target: ComponentID, at time: Picoseconds, priority: UInt8 = 0, _ message: Message) {
        let i = Int(target.raw)
        let seq = initialSequence[i]
        initialSequence[i] = seq + 1
        let e = Event(time: time, priority: priority, source: target, sequence: seq, target: target, message: message)
        initial[Int(partitionOf[i])].append(e)
    }

    /// The worker of partition `p` in a run of one process.
    private func worker(of p: Int) -> Int {
        if p < assignment.count { return assignment[p] }
        return p % executors.count
    }

    /// The process of partition `p`, and its worker among that process's workers.
    private func placement(of p: Int) -> (process: Int, localWorker: Int) {
        guard processes > 1 else { return (0, worker(of: p)) }
        if p < processAssignment.count { return (processAssignment[p], indexInProcess[p] % executors.count) }
        return (p % processes, (p / processes) % executors.count)
    }

    private func executor(for partition: PartitionID) -> WorkerExecutor {
        let (q, w) = placement(of: Int(partition.raw))
        // Components of other processes' partitions are built but never run here.
        return executors[q == process ? w : 0]
    }

    /// Checks that every slot has its component and freezes the model into a runnable simulation.
    public func build() throws(SpindleError) -> Simulation {
        if let missing = components.firstIndex(where: { $0 == nil }) {
            throw SpindleError(.invalidValue, "component slot #\(missing) was reserved but no component was added")
        }
        guard !partitionSizes.isEmpty else { throw SpindleError(.invalidValue, "the simulation has no partitions") }
        let placements = (0..<partitionSizes.count).map { placement(of: $0) }
        // Each process runs as many workers as it has partitions, up to `workers`, and at least one (which, in
        // a process without partitions, only takes part in the window exchanges).
        var workersPerProcess = [Int](repeating: 1, count: processes)
        var used = [Set<Int>](repeating: [], count: processes)
        for p in placements { used[p.process].insert(p.localWorker) }
        for q in 0..<processes {
            precondition(
                used[q].isEmpty || used[q].count == used[q].max()! + 1, "every worker below the highest one used must run a partition")
            workersPerProcess[q] = max(1, used[q].count)
        }
        // Global worker numbers: each process's workers follow those of the processes below it.
        var bases = [Int](repeating: 0, count: processes)
        for q in 1..<max(processes, 1) { bases[q] = bases[q - 1] + workersPerProcess[q - 1] }
        let base = bases[process]
        let workerOf = placements.map { bases[$0.process] + $0.localWorker }
        let activeWorkers = workersPerProcess[process]
        let map = SimulationMap(
            partitionOf: partitionOf, localIndexOf: localIndexOf, workerOf: workerOf, lookahead: lookahead)
        // Each local partition's worker plan and place in it, so components are shared out in one pass.
        let partsOfWorker = (base..<(base + activeWorkers)).map { w in (0..<partitionSizes.count).filter { workerOf[$0] == w } }
        var home = [(plan: Int, slot: Int)?](repeating: nil, count: partitionSizes.count)
        for (k, parts) in partsOfWorker.enumerated() { for (i, p) in parts.enumerated() { home[p] = (k, i) } }
        var comps: [[[any Component]]] = partsOfWorker.map { $0.map { _ in [] } }
        var seqs: [[[UInt64]]] = partsOfWorker.map { $0.map { _ in [] } }
        for (i, c) in components.enumerated() {
            guard let (k, slot) = home[Int(partitionOf[i])] else { continue }
            comps[k][slot].append(c!)
            seqs[k][slot].append(initialSequence[i])
        }
        let plans = partsOfWorker.enumerated().map { k, parts in
            WorkerPlan(
                rank: base + k, partitions: parts.map { PartitionID(UInt32($0)) }, components: comps[k], sequences: seqs[k],
                initial: parts.map { initial[$0] })
        }
        return Simulation(
            map: map, plans: plans, executors: Array(executors.prefix(activeWorkers)),
            stopTime: options.stopTime, requestedWorkers: options.workers, notes: notes, numa: options.numa,
            timeWindows: options.timeWindows, probe: options.probe, group: processes > 1 ? options.group : nil,
            workersPerProcess: workersPerProcess,
            processOfPartition: placements.map(\.process))
    }
}

/// What one worker runs: its partitions with their components and initial events.
struct WorkerPlan: Sendable {
    let rank: Int
    let partitions: [PartitionID]
    let components: [[any Component]]
    let sequences: [[UInt64]]
    let initial: [[Event]]
}
