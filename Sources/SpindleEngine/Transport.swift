import SpindleCore

/// Moves cross-partition events between ranks at window boundaries.
///
/// A rank here is one worker, numbered over all processes of the run. Each window, every worker calls
/// `exchange` exactly once; the call is a collective: it returns when all workers have called it. Events may
/// arrive in any order, because partitions order them by their unique key; the transport need not sort.
/// `SharedMemoryTransport` serves the workers of one process; `HierarchicalTransport` adds one
/// `ProcessGroup.exchange` per process per window for runs over several processes.
public protocol WindowTransport: Sendable {
    /// Number of ranks taking part.
    var ranks: Int { get }

    /// Sends `outgoing[d]` to rank `d`, appends the events sent to `rank` to `incoming`, and returns the
    /// minimum of `localNext` over all ranks (the time the next window starts).
    ///
    /// On return every buffer in `outgoing` is empty (capacity may be kept for reuse).
    func exchange(
        rank: Int, outgoing: inout [[Event]], localNext: Picoseconds, incoming: inout [Event]
    ) -> Picoseconds
}

/// The in-process transport: shared buffers and one barrier per window.
///
/// Buffers are double-buffered by window parity, so a rank that runs ahead into the next window writes
/// the other half while slower ranks still read this one; it cannot get two windows ahead because that
/// would need every rank at the next barrier.
public final class SharedMemoryTransport: WindowTransport, @unchecked Sendable {  // safe: see the proof below
    // @unchecked Sendable is safe here: slot (p, s, d) is written only by rank s before barrier k and read
    // and cleared only by rank d after barrier k (p = k mod 2); `parity[r]` is touched only by rank r.
    // The barrier orders every write before every read (acquire/release), so no location is accessed by
    // two threads without a happens-before edge.
    public let ranks: Int
    private let slots: UnsafeMutablePointer<[Event]>
    private let nexts: UnsafeMutablePointer<Picoseconds>
    private let parity: UnsafeMutablePointer<Int>
    private let barrier: SpinBarrier

    public init(ranks: Int) {
        precondition(ranks >= 1)
        self.ranks = ranks
        slots = .allocate(capacity: 2 * ranks * ranks)
        slots.initialize(repeating: [], count: 2 * ranks * ranks)
        nexts = .allocate(capacity: 2 * ranks)
        nexts.initialize(repeating: .max, count: 2 * ranks)
        parity = .allocate(capacity: ranks)
        parity.initialize(repeating: 0, count: ranks)
        barrier = SpinBarrier(parties: ranks)
    }

    deinit {
        slots.deinitialize(count: 2 * ranks * ranks)
        slots.deallocate()
        nexts.deallocate()
        parity.deallocate()
    }

    public func exchange(
        rank: Int, outgoing: inout [[Event]], localNext: Picoseconds, incoming: inout [Event]
    ) -> Picoseconds {
        if ranks == 1 { return localNext }
        let p = parity[rank]
        parity[rank] = p ^ 1
        let base = p * ranks * ranks
        for d in 0..<ranks where d != rank && !outgoing[d].isEmpty {
            swap(&slots[base + rank * ranks + d], &outgoing[d])
        }
        nexts[p * ranks + rank] = localNext
        barrier.wait()
        var next = Picoseconds.max
        for s in 0..<ranks {
            next = min(next, nexts[p * ranks + s])
            if s != rank {
                let i = base + s * ranks + rank
                if !slots[i].isEmpty {
                    incoming.append(contentsOf: slots[i])
                    slots[i].removeAll(keepingCapacity: true)
                }
            }
        }
        return next
    }
}
