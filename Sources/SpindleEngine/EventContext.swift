import SpindleCore

/// Read-only facts about where every component lives, shared by all workers.
final class SimulationMap: @unchecked Sendable {  // safe: see the proof below
    // @unchecked Sendable is safe: the two buffers are written once in init and only read afterwards.
    /// Partition index of each component, indexed by `ComponentID.raw`.
    let partitionOf: UnsafeMutableBufferPointer<UInt32>
    /// Index of each component within its partition, indexed by `ComponentID.raw`.
    let localIndexOf: UnsafeMutableBufferPointer<UInt32>
    /// Worker (rank) that runs each partition.
    let workerOf: [Int]
    /// Minimum latency of any link crossing partitions (`.max` when none does).
    let lookahead: Picoseconds

    init(partitionOf: [UInt32], localIndexOf: [UInt32], workerOf: [Int], lookahead: Picoseconds) {
        self.partitionOf = .allocate(capacity: partitionOf.count)
        _ = self.partitionOf.initialize(from: partitionOf)
        self.localIndexOf = .allocate(capacity: localIndexOf.count)
        _ = self.localIndexOf.initialize(from: localIndexOf)
        self.workerOf = workerOf
        self.lookahead = lookahead
    }

    deinit {
        partitionOf.deallocate()
        localIndexOf.deallocate()
    }
}

/// A partition at run time, and the handle components use to read the time and send events.
///
/// One `EventContext` exists per partition and lives on its worker's thread. Components receive it in
/// `handle(_:_:)`; they must not keep it beyond the call.
public final class EventContext: @unchecked Sendable {  // safe: see the proof below
    // @unchecked Sendable is safe: a context is created inside its worker's job and handed only to
    // components whose executor is that same worker's executor (each component's executor is checked with
    // `preconditionIsolated` at the start of the run, and every delivery happens inside that job), so it is
    // only ever touched by the worker's one thread.
    /// The current simulated time: the time of the event being handled.
    public var now: Picoseconds { clock }
    /// The storage behind `now`. Read through a plain getter: a client module reading an
    /// `@exclusivity(unchecked)` stored property directly still checks the access at run time.
    @exclusivity(unchecked) private var clock: Picoseconds = 0
    /// The component whose event is being handled.
    @exclusivity(unchecked) public private(set) var current: ComponentID = ComponentID(0)
    /// The partition this context runs.
    public let partition: PartitionID

    let heap = EventHeap()
    /// The partition's components, in local order: these references keep them alive for the run.
    let components: ContiguousArray<any Component>
    /// Each local component's object (unretained) and type, for delivery without reference counting.
    private let targets: UnsafeMutablePointer<DeliveryTarget>
    struct DeliveryTarget {
        let object: UnsafeRawPointer
        let type: any Component.Type
    }
    /// Next sequence number of each local component (raw storage: written on every send).
    var sequences: UnsafeMutablePointer<UInt64>
    let partitionOf: UnsafeMutableBufferPointer<UInt32>
    let localIndexOf: UnsafeMutableBufferPointer<UInt32>
    @exclusivity(unchecked) var currentLocal = 0
    @exclusivity(unchecked) var windowEnd: Picoseconds = 0
    var eventsHandled: UInt64 = 0
    var busyNs: UInt64 = 0
    let map: SimulationMap
    /// The worker's partitions (for direct delivery between partitions of one worker) and its outboxes.
    unowned(unsafe) var worker: WorkerRuntime!

    init(partition: PartitionID, map: SimulationMap, components: [any Component], sequences: [UInt64]) {
        self.partition = partition
        self.map = map
        self.partitionOf = map.partitionOf
        self.localIndexOf = map.localIndexOf
        self.components = ContiguousArray(components)
        targets = .allocate(capacity: max(components.count, 1))
        for (i, c) in components.enumerated() {
            (targets + i).initialize(
                to: DeliveryTarget(object: UnsafeRawPointer(Unmanaged.passUnretained(c as AnyObject).toOpaque()), type: type(of: c)))
        }
        self.sequences = .allocate(capacity: max(sequences.count, 1))
        self.sequences.initialize(from: sequences, count: sequences.count)
    }

    deinit {
        sequences.deallocate()
        targets.deinitialize(count: components.count)
        targets.deallocate()
    }

    /// Sends `message` to `target`, to arrive `delay` picoseconds from now.
    ///
    /// A target in another partition must be reached with a delay of at least the lookahead (the latency
    /// of the link that joins them); anything shorter is a modelling error and stops the run.
    @inline(__always)
    public func send(to target: ComponentID, after delay: Picoseconds, priority: UInt8 = 0, _ message: Message) {
        let seq = sequences[currentLocal]
        sequences[currentLocal] = seq &+ 1
        let event = Event(
            time: now + delay, priority: priority, source: current, sequence: seq, target: target, message: message)
        let tp = partitionOf[Int(target.raw)]
        if tp == partition.raw {
            heap.push(event)
        } else {
            route(event, toPartition: Int(tp))
        }
    }

    private func route(_ event: Event, toPartition tp: Int) {
        precondition(
            event.time >= windowEnd,
            "component \(current) sent an event to another partition \(event.time - now) ps ahead, below the lookahead of \(map.lookahead) ps"
        )
        worker.post(event, toPartition: tp)
    }

    /// Runs all events with time < `end`.
    func runWindow(until end: Picoseconds, progress: ProgressCell) {
        windowEnd = end
        var handled: UInt64 = 0
        #if SPINDLE_EXPENSIVE_CHECKS
            var last: Picoseconds = now
        #endif
        let heap = self.heap
        while heap.minTime < end {
            let event = heap.pop()
            #if SPINDLE_EXPENSIVE_CHECKS
                precondition(event.time >= last, "event ordering violated: \(event.time) after \(last)")
                last = event.time
            #endif
            clock = event.time
            current = event.target
            let local = Int(localIndexOf[Int(event.target.raw)])
            currentLocal = local
            let target = targets[local]
            target.type._deliver(unretained: target.object, event, self)
            handled &+= 1
            // Publish progress every 1,024 events: one relaxed atomic store, negligible per event.
            if handled & 0x3FF == 0 { progress.report(time: now, events: 1_024) }
        }
        progress.report(time: now, events: handled & 0x3FF)
        eventsHandled &+= handled
    }

    /// Schedules an initial event before the run (source = the target itself).
    func scheduleInitial(_ event: Event) { heap.push(event) }
}
