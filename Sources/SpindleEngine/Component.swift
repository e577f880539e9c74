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
///     func finish() -> Counters { Counters([CounterKey(raw: 0): seen]) }
/// }
/// ```
public protocol Component: Actor {
    /// This component's stable identifier (from its slot).
    nonisolated var id: ComponentID { get }
    /// Reacts to one event. `context.now` is the event's time.
    func handle(_ event: Event, _ context: EventContext)
    /// Called once after the run, on the component's executor: the counts it wants reported.
    func finish() -> Counters
    /// The engine's entry point for delivery. Do not implement or call it: the default is the only
    /// correct implementation. It is a requirement (not just an extension method) so that each component
    /// type gets a specialized, allocation-free copy.
    nonisolated func _deliver(_ event: Event, _ context: EventContext)
    /// The engine's entry point for delivery without retaining the component. Do not implement or call it.
    static func _deliver(unretained object: UnsafeRawPointer, _ event: Event, _ context: EventContext)
}

extension Component {
    /// Delivers an event synchronously, without checking the executor.
    ///
    /// The caller must be running on this component's executor. The worker verifies that once per
    /// component at the start of every run (`preconditionIsolated`), and `unownedExecutor` cannot change,
    /// so the per-event check of `assumeIsolated` would only repeat it. The cast from an isolated to a plain
    /// function type is the one `assumeIsolated` performs; the closure captures nothing, so nothing is
    /// allocated per event. Builds with the ExpensiveChecks trait check on every event.
    @inlinable @inline(__always)
    public nonisolated func _deliver(_ event: Event, _ context: EventContext) {
        #if SPINDLE_EXPENSIVE_CHECKS
            preconditionIsolated("component \(id) delivered off its executor")
        #endif
        typealias Isolated = (isolated Self, Event, EventContext) -> Void
        typealias Plain = (Self, Event, EventContext) -> Void
        let handler: Isolated = { me, event, context in me.handle(event, context) }
        unsafeBitCast(handler, to: Plain.self)(self, event, context)
    }

    /// Delivers an event to the component at `object` (an unretained reference to a `Self`) without
    /// retaining it: the caller must keep the component alive (the partition's component list does, for the
    /// whole run). Reading the component out of that list instead costs a retain and a release per event,
    /// which measured about a fifth of a large run's time.
    @inlinable @inline(__always)
    public static func _deliver(unretained object: UnsafeRawPointer, _ event: Event, _ context: EventContext) {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0._deliver(event, context) }
    }

    /// Traps unless the caller runs on this component's executor.
    nonisolated func verifyExecutor() {
        preconditionIsolated("component \(id) must use the executor of its ComponentSlot")
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
