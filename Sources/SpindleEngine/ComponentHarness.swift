import SpindleCore
import Synchronization

/// Runs components in isolation, for unit tests: probes stand in for their neighbours, send them scripted
/// events, and record every event they receive.
///
/// ```swift
/// let h = try ComponentHarness()
/// let probes = h.probes(2)
/// let slot = h.makeSlot()
/// h.add(MyComponent(slot: slot, next: probes[1]))
/// h.send(Message(kind: 1), from: probes[0], to: slot.id, at: 1_000)
/// let run = try await h.run()
/// // run.received: what probes[1] got, in delivery order; run.counters[slot.id]: what it counted
/// ```
///
/// Everything runs on one worker in one partition, so delivery order is the engine's order.
public final class ComponentHarness {
    /// An event a probe received.
    public struct Received: Sendable, Equatable {
        public var time: Picoseconds
        public var probe: ComponentID
        public var source: ComponentID
        public var message: Message
    }

    /// What a harness run produced.
    public struct Outcome: Sendable {
        /// Every event the probes received, in delivery order.
        public var received: [Received]
        /// What each component counted.
        public var counters: [ComponentID: Counters]
        /// Time of the last event.
        public var finalTime: Picoseconds
    }

    private let builder: SimulationBuilder
    private let partition: PartitionID
    private let log = EventLog()
    private var scripts: [ComponentID: [(target: ComponentID, message: Message)]] = [:]
    private var probeIDs: Set<ComponentID> = []

    public init() throws(SpindleError) {
        builder = try SimulationBuilder(options: EngineOptions(workers: 1))
        partition = builder.addPartition()
    }

    /// A slot for a component under test; slots are numbered in the order they are made.
    public func makeSlot() -> ComponentSlot { builder.makeSlot(in: partition) }

    /// Registers a component made from one of this harness's slots.
    public func add(_ component: any Component) { builder.add(component) }

    /// `n` new probes.
    public func probes(_ n: Int) -> [ComponentID] {
        (0..<n).map { _ in
            let slot = makeSlot()
            builder.add(Probe(slot: slot, log: log))
            probeIDs.insert(slot.id)
            return slot.id
        }
    }

    /// Has probe `from` send `message` to `target` at `time` (the target sees the probe as the source).
    public func send(_ message: Message, from probe: ComponentID, to target: ComponentID, at time: Picoseconds) {
        precondition(probeIDs.contains(probe), "\(probe) is not a probe of this harness")
        var script = scripts[probe, default: []]
        builder.schedule(to: probe, at: time, Message(kind: Probe.wakeUp, a: UInt64(script.count)))
        script.append((target, message))
        scripts[probe] = script
    }

    /// Runs until no event is left.
    public func run() async throws(SpindleError) -> Outcome {
        log.scripts = scripts
        let result = try await builder.build().run()
        var counters: [ComponentID: Counters] = [:]
        for (id, c) in result.counters { counters[id] = c }
        return Outcome(received: log.received, counters: counters, finalTime: result.finalTime)
    }
}

/// The probes' shared log and scripts.
private final class EventLog: Sendable {
    private let state = Mutex<(received: [ComponentHarness.Received], scripts: [ComponentID: [(target: ComponentID, message: Message)]])>(
        ([], [:]))

    var received: [ComponentHarness.Received] { state.withLock { $0.received } }
    var scripts: [ComponentID: [(target: ComponentID, message: Message)]] {
        get { state.withLock { $0.scripts } }
        set { state.withLock { $0.scripts = newValue } }
    }

    func record(_ r: ComponentHarness.Received) { state.withLock { $0.received.append(r) } }
    func scripted(_ probe: ComponentID, _ index: Int) -> (target: ComponentID, message: Message) {
        state.withLock { $0.scripts[probe]![index] }
    }
}

/// A neighbour stand-in: sends what its script says when woken, records everything else.
private actor Probe: Component {
    /// The kind of the harness's own wake-up events (which a probe schedules to itself).
    static let wakeUp: UInt32 = .max
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let log: EventLog

    init(slot: ComponentSlot, log: EventLog) {
        id = slot.id
        executor = slot.executor
        self.log = log
    }

    func handle(_ event: Event, _ context: EventContext) {
        if event.source == id && event.message.kind == Self.wakeUp {
            let (target, message) = log.scripted(id, Int(event.message.a))
            context.send(to: target, after: 0, message)
        } else {
            log.record(.init(time: context.now, probe: id, source: event.source, message: event.message))
        }
    }

    func finish() -> Counters { Counters() }
}
