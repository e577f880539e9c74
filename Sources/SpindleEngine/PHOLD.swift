import SpindleCore

/// The PHOLD synthetic model: events hop between components at random, with random delays.
///
/// Each component starts with `population` events. On each event it folds the event into its fingerprint,
/// draws a delay (`minDelay` plus an exponential with mean `meanExtraDelay`) and a target (any component,
/// uniformly), and sends one event on. The run stops at `endTime`. It is the engine's determinism check
/// and benchmark: the event count and fingerprint must be identical for every worker count, and equal to
/// those of `PHOLD.runPlainLoop`, a single-threaded heap loop over plain classes.
public struct PHOLD: Sendable {
    /// The one count each PHOLD component reports: the fold of every event it handled.
    static let fingerprintKey = CounterKey(raw: 0)
    public var partitions: Int
    public var componentsPerPartition: Int
    public var population: Int
    public var minDelay: Picoseconds
    public var meanExtraDelay: Double
    public var endTime: Picoseconds
    public var seed: UInt64
    /// Extra handler work (rounds of mixing) to imitate heavier components; 0 for the bare engine cost.
    public var work: Int

    public init(
        partitions: Int = 8, componentsPerPartition: Int = 128, population: Int = 8, minDelay: Picoseconds = 1_000,
        meanExtraDelay: Double = 1_000, endTime: Picoseconds = 2_000_000, seed: UInt64 = 1, work: Int = 0
    ) {
        self.partitions = partitions
        self.componentsPerPartition = componentsPerPartition
        self.population = population
        self.minDelay = minDelay
        self.meanExtraDelay = meanExtraDelay
        self.endTime = endTime
        self.seed = seed
        self.work = work
    }

    public var componentCount: Int { partitions * componentsPerPartition }

    /// The outcome that must not depend on how the model is run.
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        public var events: UInt64
        public var fingerprint: UInt64
        public var description: String { "events=\(events) fingerprint=\(String(fingerprint, radix: 16))" }
    }

    /// Builds the model on the engine.
    /// Builds the model; `partitioner`, when given, decides which worker runs which partition (all
    /// partitions weigh the same).
    public func build(options: EngineOptions, partitioner: (any Partitioner)? = nil) throws(SpindleError) -> Simulation {
        let builder = try SimulationBuilder(options: options)
        if let partitioner { builder.planPartitions(weights: Array(repeating: 1, count: partitions), partitioner: partitioner) }
        return try build(into: builder)
    }

    /// Builds the model into a builder the caller has set up (for example with a process plan).
    public func build(into builder: SimulationBuilder) throws(SpindleError) -> Simulation {
        var firstOfPartition: [ComponentID] = []
        for _ in 0..<partitions {
            let p = builder.addPartition()
            for j in 0..<componentsPerPartition {
                let node = PHOLDNode(slot: builder.makeSlot(in: p), model: self)
                if j == 0 { firstOfPartition.append(node.id) }
                builder.add(node)
            }
        }
        for a in firstOfPartition {
            for b in firstOfPartition where a != b { try builder.connect(a, b, latency: minDelay) }
        }
        for c in 0..<componentCount {
            var rng = RandomStream(seed: seed ^ 0x5EED, stream: UInt64(c))
            for _ in 0..<population {
                builder.schedule(to: ComponentID(UInt32(c)), at: rng.nextExponential(mean: meanExtraDelay), Message(kind: 1))
            }
        }
        return try builder.build()
    }

    /// Reduces a run's counters to the outcome.
    public func outcome(of result: SimulationResult) -> Outcome {
        var fp: UInt64 = 0
        for (id, counters) in result.counters {
            fp = PHOLD.combine(fp, UInt64(id.raw), counters[PHOLD.fingerprintKey])
        }
        return Outcome(events: result.events, fingerprint: fp)
    }

    @inlinable static func mix(_ h: UInt64, _ x: UInt64) -> UInt64 {
        var z = (h ^ x) &* 0x9E37_79B9_7F4A_7C15
        z ^= z >> 29
        return z &* 0xBF58_476D_1CE4_E5B9
    }

    static func combine(_ fp: UInt64, _ id: UInt64, _ value: UInt64) -> UInt64 {
        mix(mix(fp, id), value)
    }

    /// Runs the same event stream on a plain single-threaded binary-heap loop over final classes, with no
    /// actors, partitions or windows. Returns the outcome and the wall seconds of the loop.
    public func runPlainLoop() -> (Outcome, seconds: Double) {
        final class Node {
            var rng: RandomStream
            var fingerprint: UInt64 = 0
            var sequence: UInt64
            init(rng: RandomStream, sequence: UInt64) {
                self.rng = rng
                self.sequence = sequence
            }
        }
        let n = componentCount
        var nodes: [Node] = []
        let heap = EventHeap()
        for c in 0..<n {
            var rng = RandomStream(seed: seed ^ 0x5EED, stream: UInt64(c))
            for s in 0..<population {
                let id = ComponentID(UInt32(c))
                heap.push(
                    Event(
                        time: rng.nextExponential(mean: meanExtraDelay), priority: 0, source: id, sequence: UInt64(s),
                        target: id, message: Message(kind: 1)))
            }
            nodes.append(Node(rng: RandomStream(seed: seed, stream: UInt64(c)), sequence: UInt64(population)))
        }
        let t0 = monotonicNs()
        var events: UInt64 = 0
        while heap.minTime <= endTime {
            let e = heap.pop()
            events += 1
            let node = nodes[Int(e.target.raw)]
            node.fingerprint = PHOLD.fold(node.fingerprint, e, work: work)
            var r = node.rng
            let delay = minDelay + r.nextExponential(mean: meanExtraDelay)
            let target = ComponentID(UInt32(r.nextBelow(UInt64(n))))
            node.rng = r
            heap.push(
                Event(
                    time: e.time + delay, priority: 0, source: e.target, sequence: node.sequence, target: target,
                    message: Message(kind: 1, a: e.message.a &+ 1)))
            node.sequence += 1
        }
        let seconds = Double(monotonicNs() - t0) / 1e9
        var fp: UInt64 = 0
        for (i, node) in nodes.enumerated() { fp = PHOLD.combine(fp, UInt64(i), node.fingerprint) }
        return (Outcome(events: events, fingerprint: fp), seconds)
    }

    @inline(__always)
    static func fold(_ h: UInt64, _ e: Event, work: Int) -> UInt64 {
        var h = mix(h, e.time)
        h = mix(h, UInt64(e.source.raw) << 32 | e.message.a)
        for i in 0..<work { h = mix(h, UInt64(i)) }
        return h
    }
}

/// One PHOLD component on the engine.
actor PHOLDNode: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private var rng: RandomStream
    private var fingerprint: UInt64 = 0
    private let componentCount: UInt64
    private let minDelay: Picoseconds
    private let meanExtraDelay: Double
    private let work: Int

    init(slot: ComponentSlot, model: PHOLD) {
        id = slot.id
        executor = slot.executor
        rng = RandomStream(seed: model.seed, stream: UInt64(slot.id.raw))
        componentCount = UInt64(model.componentCount)
        minDelay = model.minDelay
        meanExtraDelay = model.meanExtraDelay
        work = model.work
    }

    func handle(_ event: Event, _ context: EventContext) {
        fingerprint = PHOLD.fold(fingerprint, event, work: work)
        // Draw on a local copy: a mutating call on an actor property is a dynamic exclusivity access.
        var r = rng
        let delay = minDelay + r.nextExponential(mean: meanExtraDelay)
        let target = ComponentID(UInt32(r.nextBelow(componentCount)))
        rng = r
        context.send(to: target, after: delay, Message(kind: 1, a: event.message.a &+ 1))
    }

    func finish() -> Counters { Counters([PHOLD.fingerprintKey: fingerprint]) }
}
