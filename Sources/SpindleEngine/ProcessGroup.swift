import SpindleCore
import Synchronization

/// The processes of one distributed run, seen from one of them: its rank and the collectives the engine
/// needs. Every process calls each collective the same number of times in the same order.
///
/// `SpindleDistributed.MPIProcessGroup` implements it on MPI; `LocalProcessGroup` runs the processes as
/// threads of one process (for tests). The engine never names MPI.
public protocol ProcessGroup: Sendable {
    /// This process's rank, `0 ..< size`.
    var rank: Int { get }
    /// Number of processes.
    var size: Int { get }

    /// The window collective: sends `outgoing[q]` to process `q` (this process's own entry stays empty),
    /// appends the events sent to this process to `incoming`, and returns the minimum of `localNext` over all
    /// processes. Adds the time spent to `timing`.
    ///
    /// On return every buffer in `outgoing` is empty (capacity may be kept).
    func exchange(
        outgoing: inout [[Event]], localNext: Picoseconds, incoming: inout [Event], timing: inout ExchangeTiming
    ) -> Picoseconds

    /// Every process's bytes, in rank order, on every process.
    func allGather(_ bytes: [UInt8]) -> [[UInt8]]

    /// Sends `bytes` to process `destination` with a message tag (`0 ..< 1_000`); returns when the bytes may
    /// be reused.
    func send(_ bytes: [UInt8], to destination: Int, tag: Int)

    /// Waits for the next message with `tag` from any process.
    func receive(tag: Int) -> (source: Int, bytes: [UInt8])
}

extension ProcessGroup {
    /// Agrees on failure before going on: every process passes its own error message (or `nil`); if any
    /// process failed, every process throws the failure of the lowest failing rank, so that all stop together
    /// (and rank 0 reports it once) or all go on. Collective.
    public func agree(_ error: String?) throws(DistributedFailure) {
        let all = allGather(error.map { Array($0.utf8) + [1] } ?? [])
        guard let r = all.firstIndex(where: { !$0.isEmpty }) else { return }
        throw DistributedFailure(rank: r, message: String(decoding: all[r].dropLast(), as: UTF8.self))
    }
}

/// A failure on one process of a distributed run that every process has agreed to stop for.
public struct DistributedFailure: Error, Sendable, CustomStringConvertible {
    /// The rank that failed, and its one-paragraph error.
    public var rank: Int
    public var message: String

    public init(rank: Int, message: String) {
        self.rank = rank
        self.message = message
    }

    /// The message, prefixed with the rank when it is not rank 0 (which prints it).
    public var description: String { (rank == 0 ? "" : "rank \(rank): ") + message }
}

/// Where one process's window exchanges spent their time.
public struct ExchangeTiming: Sendable, Equatable {
    /// Nanoseconds in the collective that agrees on the next window (waiting for the slowest process included).
    public var reduceNs: UInt64 = 0
    /// Nanoseconds moving the events themselves.
    public var transferNs: UInt64 = 0
    /// Bytes and events this process sent to others.
    public var bytesSent: UInt64 = 0
    public var eventsSent: UInt64 = 0

    public init() {}
}

extension Event {
    /// Bytes of one event on the wire: its in-memory layout. Processes of one run must run the same build
    /// on the same architecture.
    public static var wireBytes: Int { MemoryLayout<Event>.stride }
}

/// Processes simulated as threads of this process: `LocalProcessGroup.make(size:)` returns one group per
/// process, to be used from `size` concurrent runs. For tests of the distributed engine without a launcher.
public final class LocalProcessGroup: ProcessGroup, Sendable {
    public let rank: Int
    public let size: Int
    private let hub: Hub

    /// The shared state of the simulated processes.
    final class Hub: Sendable {
        let transport: SharedMemoryTransport
        let gather: SharedMemoryGather
        let mail: Mutex<[Letter]> = Mutex([])
        let monitor = Monitor()

        struct Letter {
            var source: Int
            var destination: Int
            var tag: Int
            var bytes: [UInt8]
        }

        init(size: Int) {
            transport = SharedMemoryTransport(ranks: size)
            gather = SharedMemoryGather(parties: size)
        }
    }

    private init(rank: Int, hub: Hub) {
        self.rank = rank
        self.size = hub.transport.ranks
        self.hub = hub
    }

    /// One group per simulated process, ranks `0 ..< size`.
    public static func make(size: Int) -> [LocalProcessGroup] {
        let hub = Hub(size: size)
        return (0..<size).map { LocalProcessGroup(rank: $0, hub: hub) }
    }

    public func exchange(
        outgoing: inout [[Event]], localNext: Picoseconds, incoming: inout [Event], timing: inout ExchangeTiming
    ) -> Picoseconds {
        let t0 = monotonicNs()
        for q in outgoing.indices where q != rank {
            timing.eventsSent &+= UInt64(outgoing[q].count)
            timing.bytesSent &+= UInt64(outgoing[q].count * Event.wireBytes)
        }
        let next = hub.transport.exchange(rank: rank, outgoing: &outgoing, localNext: localNext, incoming: &incoming)
        timing.reduceNs &+= monotonicNs() &- t0
        return next
    }

    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] { hub.gather.allGather(rank: rank, bytes) }

    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) {
        hub.mail.withLock { $0.append(Hub.Letter(source: rank, destination: destination, tag: tag, bytes: bytes)) }
        hub.monitor.lock()
        hub.monitor.broadcast()
        hub.monitor.unlock()
    }

    public func receive(tag: Int) -> (source: Int, bytes: [UInt8]) {
        hub.monitor.lock()
        defer { hub.monitor.unlock() }
        while true {
            let letter = hub.mail.withLock { mail -> Hub.Letter? in
                guard let i = mail.firstIndex(where: { $0.destination == rank && $0.tag == tag }) else { return nil }
                return mail.remove(at: i)
            }
            if let letter { return (letter.source, letter.bytes) }
            hub.monitor.wait()
        }
    }
}

/// An all-gather of byte arrays between threads: two barriers around shared slots.
final class SharedMemoryGather: @unchecked Sendable {  // safe: see the proof below
    // @unchecked Sendable is safe: slot r is written only by party r before the first barrier and only read
    // between the two barriers; the second barrier keeps a party from writing the next round's slot before
    // every party has read this round's.
    private let slots: UnsafeMutablePointer<[UInt8]>
    private let barrier: SpinBarrier
    let parties: Int

    init(parties: Int) {
        self.parties = parties
        slots = .allocate(capacity: parties)
        slots.initialize(repeating: [], count: parties)
        barrier = SpinBarrier(parties: parties)
    }

    deinit {
        slots.deinitialize(count: parties)
        slots.deallocate()
    }

    func allGather(rank: Int, _ bytes: [UInt8]) -> [[UInt8]] {
        slots[rank] = bytes
        barrier.wait()
        let all = (0..<parties).map { slots[$0] }
        barrier.wait()
        return all
    }
}
