import Foundation
import SpindleCore
import SpindleEngine

#if SPINDLE_MPI
    import CMPI
#endif

/// The processes of an MPI job (`MPI_COMM_WORLD`) as the engine's `ProcessGroup`.
///
/// A window exchange is one `MPI_Alltoall` of two words per pair of ranks (the number of events, and the
/// sender's next event time, so that the all-to-all doubles as the min-reduction), then point-to-point
/// transfers of the non-empty blocks only. Events travel as their in-memory bytes: every rank runs the same
/// build on the same architecture.
// Unchecked sendability is safe: the buffers are used only inside `exchange`, called by one thread at a time.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {  // safe: buffers touched by one thread at a time
    // Why: the buffers below are used only inside `exchange`, which the engine calls
    // from one thread at a time (a process's designated worker, window after window, each call returning
    // before the next starts); the other calls keep no state. MPI itself is initialised for calls from one
    // thread at a time (MPI_THREAD_SERIALIZED), and Spindle never makes two at once.
    public let rank: Int
    public let size: Int
    private var header: [UInt64]
    private var peerHeader: [UInt64]
    private var sendCounts: [Int32]
    private var sendOffsets: [Int64]
    private var receiveCounts: [Int32]
    private var receiveOffsets: [Int64]
    private var sendBuffer: UnsafeMutableRawPointer
    private var sendCapacity = 1 << 16
    private var receiveBuffer: UnsafeMutableRawPointer
    private var receiveCapacity = 1 << 16

    /// The message tag of window exchanges; `send` and `receive` tags are offset past it.
    static let windowTag: Int32 = 1
    static let userTagBase = 16

    init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
        header = Array(repeating: 0, count: 2 * size)
        peerHeader = Array(repeating: 0, count: 2 * size)
        sendCounts = Array(repeating: 0, count: size)
        sendOffsets = Array(repeating: 0, count: size)
        receiveCounts = Array(repeating: 0, count: size)
        receiveOffsets = Array(repeating: 0, count: size)
        sendBuffer = .allocate(byteCount: sendCapacity, alignment: 64)
        receiveBuffer = .allocate(byteCount: receiveCapacity, alignment: 64)
    }

    deinit {
        sendBuffer.deallocate()
        receiveBuffer.deallocate()
    }

    public func exchange(
        outgoing: inout [[Event]], localNext: Picoseconds, incoming: inout [Event], timing: inout ExchangeTiming
    ) -> Picoseconds {
        #if SPINDLE_MPI
            let t0 = monotonicNs()
            for q in 0..<size {
                header[2 * q] = UInt64(outgoing[q].count)
                header[2 * q + 1] = localNext
            }
            spindle_mpi_alltoall_u64(header, &peerHeader, 2)
            var next = Picoseconds.max
            var sendBytes = 0
            var receiveBytes = 0
            let wire = Event.wireBytes
            for q in 0..<size {
                next = min(next, peerHeader[2 * q + 1])
                sendCounts[q] = Int32(outgoing[q].count * wire)
                sendOffsets[q] = Int64(sendBytes)
                sendBytes += outgoing[q].count * wire
                receiveCounts[q] = Int32(Int(peerHeader[2 * q]) * wire)
                receiveOffsets[q] = Int64(receiveBytes)
                receiveBytes += Int(peerHeader[2 * q]) * wire
            }
            let t1 = monotonicNs()
            timing.reduceNs &+= t1 &- t0
            guard sendBytes > 0 || receiveBytes > 0 else { return next }
            ensureCapacity(send: sendBytes, receive: receiveBytes)
            for q in 0..<size where !outgoing[q].isEmpty {
                outgoing[q].withUnsafeBytes { (sendBuffer + Int(sendOffsets[q])).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                timing.eventsSent &+= UInt64(outgoing[q].count)
                outgoing[q].removeAll(keepingCapacity: true)
            }
            timing.bytesSent &+= UInt64(sendBytes)
            _ = spindle_mpi_sparse_exchange(
                sendBuffer.assumingMemoryBound(to: UInt8.self), sendCounts, sendOffsets,
                receiveBuffer.assumingMemoryBound(to: UInt8.self), receiveCounts, receiveOffsets, Self.windowTag)
            if receiveBytes > 0 {
                let events = receiveBuffer.bindMemory(to: Event.self, capacity: receiveBytes / wire)
                incoming.append(contentsOf: UnsafeBufferPointer(start: events, count: receiveBytes / wire))
            }
            timing.transferNs &+= monotonicNs() &- t1
            return next
        #else
            return localNext
        #endif
    }

    private func ensureCapacity(send: Int, receive: Int) {
        if send > sendCapacity {
            sendBuffer.deallocate()
            sendCapacity = max(send, 2 * sendCapacity)
            sendBuffer = .allocate(byteCount: sendCapacity, alignment: 64)
        }
        if receive > receiveCapacity {
            receiveBuffer.deallocate()
            receiveCapacity = max(receive, 2 * receiveCapacity)
            receiveBuffer = .allocate(byteCount: receiveCapacity, alignment: 64)
        }
    }

    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        #if SPINDLE_MPI
            var lengths = [UInt64](repeating: 0, count: size)
            spindle_mpi_allgather_u64(UInt64(bytes.count), &lengths)
            let total = lengths.reduce(0, +)
            precondition(total < UInt64(Int32.max), "an all-gather of \(total) bytes is more than MPI counts allow in one call")
            var displacements = [Int32](repeating: 0, count: size)
            var sum: Int32 = 0
            for q in 0..<size {
                displacements[q] = sum
                sum += Int32(lengths[q])
            }
            let counts = lengths.map { Int32($0) }
            var all = [UInt8](repeating: 0, count: Int(total))
            spindle_mpi_allgatherv_bytes(bytes, Int32(bytes.count), &all, counts, displacements)
            return (0..<size).map { q in Array(all[Int(displacements[q])..<Int(displacements[q] + counts[q])]) }
        #else
            return [bytes]
        #endif
    }

    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) {
        #if SPINDLE_MPI
            precondition(bytes.count < Int(Int32.max), "a message of \(bytes.count) bytes")
            spindle_mpi_send_bytes(bytes, Int32(bytes.count), Int32(destination), Int32(Self.userTagBase + tag))
        #endif
    }

    public func receive(tag: Int) -> (source: Int, bytes: [UInt8]) {
        #if SPINDLE_MPI
            // Polls with a growing sleep instead of a blocking probe, which would spin a core that the ranks'
            // simulations need (a sweep's hand-out waits for seconds between messages).
            var count: Int32 = 0
            var source: Int32 = 0
            var pause: UInt32 = 20
            while spindle_mpi_iprobe_any(Int32(Self.userTagBase + tag), &source, &count) == 0 {
                usleep(pause)
                pause = min(pause * 2, 2_000)
            }
            var bytes = [UInt8](repeating: 0, count: Int(count))
            spindle_mpi_recv_bytes(&bytes, count, source, Int32(Self.userTagBase + tag))
            return (Int(source), bytes)
        #else
            preconditionFailure("no MPI in this build")
        #endif
    }
}
