import SpindleCore

/// The payload of an event: a small value, interpreted by the receiving component.
///
/// Models define their own message kinds (`kind`) and pack arguments into `a`, `b`, `c` and `tag`.
/// Keeping the payload a fixed-size value means events never allocate and can be copied between
/// partitions and processes as plain bytes.
public struct Message: Sendable, Equatable {
    public var kind: UInt32
    public var tag: UInt32
    public var a: UInt64
    public var b: UInt64
    public var c: UInt64

    @inlinable
    public init(kind: UInt32, tag: UInt32 = 0, a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0) {
        self.kind = kind
        self.tag = tag
        self.a = a
        self.b = b
        self.c = c
    }
}

/// A timestamped event on its way to one component.
///
/// Events are ordered by the key `(time, priority, source, sequence)`. The sequence is a per-source
/// counter, so keys are unique and the order never depends on threads, partitions or insertion order.
public struct Event: Sendable {
    /// Delivery time in picoseconds.
    public var time: Picoseconds
    /// `priority << 32 | source id`: lower priority values are delivered first at equal time.
    @usableFromInline var order: UInt64
    /// Per-source sequence number.
    public var sequence: UInt64
    /// The receiving component.
    public var target: ComponentID
    /// What the event carries.
    public var message: Message

    @inlinable
    init(
        time: Picoseconds, priority: UInt8, source: ComponentID, sequence: UInt64, target: ComponentID,
        message: Message
    ) {
        self.time = time
        self.order = UInt64(priority) << 32 | UInt64(source.raw)
        self.sequence = sequence
        self.target = target
        self.message = message
    }

    /// The sending component (for initial events, the target itself).
    @inlinable public var source: ComponentID { ComponentID(UInt32(truncatingIfNeeded: order)) }
    /// Delivery priority at equal time; lower first.
    @inlinable public var priority: UInt8 { UInt8(truncatingIfNeeded: order >> 32) }

    /// Strict ordering by `(time, priority, source, sequence)`.
    @inlinable @inline(__always)
    static func precedes(_ x: Event, _ y: Event) -> Bool {
        if x.time != y.time { return x.time < y.time }
        if x.order != y.order { return x.order < y.order }
        return x.sequence < y.sequence
    }
}

/// A binary min-heap of events ordered by their key, on manually managed storage.
///
/// A final class with raw storage rather than an array: pushes from inside handlers then need no dynamic
/// exclusivity check and no copy-on-write check. Not thread-safe; a heap belongs to one partition.
@usableFromInline
final class EventHeap {
    // Unchecked exclusivity: these are plain scalars on a single-threaded object and are never passed
    // inout, so the dynamic check could never fire; it cost about 10 % of event throughput.
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutablePointer<Event>
    @exclusivity(unchecked) @usableFromInline var count: Int = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inlinable var isEmpty: Bool { count == 0 }
    @inlinable var minTime: Picoseconds { count == 0 ? .max : base[0].time }

    @usableFromInline func grow() {
        let bigger = UnsafeMutablePointer<Event>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    @inlinable
    func push(_ e: Event) {
        if count == capacity { grow() }
        let b = base
        var i = count
        count = i + 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if !Event.precedes(e, b[parent]) { break }
            (b + i).initialize(to: b[parent])
            (b + parent).deinitialize(count: 1)
            i = parent
        }
        (b + i).initialize(to: e)
    }

    @inlinable
    func pop() -> Event {
        let b = base
        let top = b.move()
        let n = count - 1
        count = n
        if n > 0 {
            let last = (b + n).move()
            var i = 0
            while true {
                var child = 2 * i + 1
                if child >= n { break }
                if child + 1 < n && Event.precedes(b[child + 1], b[child]) { child += 1 }
                if !Event.precedes(b[child], last) { break }
                (b + i).moveInitialize(from: b + child, count: 1)
                i = child
            }
            (b + i).initialize(to: last)
        }
        return top
    }
}
