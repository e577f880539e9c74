import SpindleCore

/// A simulated piece of hardware: an actor that reacts to events and sends events to others.
///
/// A component's `unownedExecutor` must be the executor of the slot it was created in
/// (`ComponentSlot.executor`), so that its partition can deliver events to it synchronously, without a
/// thread hop. A component touches only its own state, and talks to other components only through
/// `context.send(...)`. Handlers must not `await`: delivery is synchronous so that runs are deterministic.
///
/// ```swift
/// actor Counter: Component {
///     nonisolated let id: ComponentID
///     private nonisolated let executor: WorkerExecutor
///     nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
///     var seen: UInt64 = 0
///     init(slot: ComponentSlot) { id = slot.id; executor = slot.executor }
///     func handle(_ event: Event, _ context: EventContext) { seen += 1 }
///     func finish() -> Counters { Counters(["seen": seen]) }
/// }
/// ```
public protocol Component: Actor {
    /// This component's stable identifier (from its slot).
    nonisolated var id: ComponentID { get }
    /// Reacts to one event. `context.now` is the event's time.
    func handle(_ event: Event, _ context: EventContext)
    /// Called once after the run, on the component's executor: the counts it wants reported.
    func finish() -> Counters
}

extension Component {
    /// Delivers an event synchronously; the caller must be running on this component's executor.
    @inlinable @inline(__always)
    nonisolated func deliver(_ event: Event, _ context: EventContext) {
        assumeIsolated { $0.handle(event, context) }
    }

    @inlinable
    nonisolated func collect() -> Counters {
        assumeIsolated { $0.finish() }
    }
}

/// Where a new component lives: its identifier and the executor it must report as `unownedExecutor`.
public struct ComponentSlot: Sendable {
    public let id: ComponentID
    public let partition: PartitionID
    public let executor: WorkerExecutor
}
