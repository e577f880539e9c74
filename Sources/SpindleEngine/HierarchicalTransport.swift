import SpindleCore

/// The transport of a run over several processes, each with its own worker threads.
///
/// Workers are numbered globally: process r's workers are `base ..< base + local`. Events between workers
/// of one process move through shared slots, as in `SharedMemoryTransport`. Events for other processes are
/// gathered per destination process, and one designated worker (the process's first) makes the process's
/// single call to `ProcessGroup.exchange` between two local barriers, then hands each local worker what
/// arrived for it. So each window costs one collective per process, whatever the number of threads.
// Unchecked sendability is safe: each slot has one writer before barrier A and one reader after it.
final class HierarchicalTransport: WindowTransport, @unchecked Sendable {  // safe: one writer, one reader per barrier
    // Why, by the two barriers A and B of each exchange:
    // - local slot (p, s, d) is written by worker s before A and read and cleared by worker d after B
    //   (p = window parity, so a worker running ahead writes the other half, as in SharedMemoryTransport);
    // - remote[s][q] is written by worker s before A and read and cleared by the designated worker between
    //   A and B; worker s writes it again only after B;
    // - inbox[d] and `next` are written by the designated worker between A and B and read by the workers
    //   after B; the designated worker writes them again only after the next A, which every worker
    //   reaches after its reads;
    // - `parity[l]` is touched only by worker l; `timing`, `send`, `received` only by the designated worker.
    let ranks: Int
    let group: any ProcessGroup
    let base: Int
    let local: Int
    /// The process of each global worker.
    private let processOfWorker: [Int]
    private let map: SimulationMap
    private let slots: UnsafeMutablePointer<[Event]>
    private let remote: UnsafeMutablePointer<[Event]>
    private let inbox: UnsafeMutablePointer<[Event]>
    private let nexts: UnsafeMutablePointer<Picoseconds>
    private let parity: UnsafeMutablePointer<Int>
    private let barrier: SpinBarrier
    private var next: Picoseconds = .max
    private var send: [[Event]]
    private var received: [Event] = []
    /// Time and traffic of this process's exchanges (read after the run).
    private(set) var timing = ExchangeTiming()
    private(set) var exchanges: UInt64 = 0

    init(group: any ProcessGroup, workersPerProcess: [Int], map: SimulationMap) {
        self.group = group
        self.map = map
        let r = group.rank
        base = workersPerProcess.prefix(r).reduce(0, +)
        local = workersPerProcess[r]
        ranks = workersPerProcess.reduce(0, +)
        processOfWorker = workersPerProcess.enumerated().flatMap { q, n in [Int](repeating: q, count: n) }
        let processes = group.size
        slots = .allocate(capacity: 2 * local * local)
        slots.initialize(repeating: [], count: 2 * local * local)
        remote = .allocate(capacity: local * processes)
        remote.initialize(repeating: [], count: local * processes)
        inbox = .allocate(capacity: local)
        inbox.initialize(repeating: [], count: local)
        nexts = .allocate(capacity: local)
        nexts.initialize(repeating: .max, count: local)
        parity = .allocate(capacity: local)
        parity.initialize(repeating: 0, count: local)
        barrier = SpinBarrier(parties: local)
        send = Array(repeating: [], count: processes)
    }

    deinit {
        slots.deinitialize(count: 2 * local * local)
        slots.deallocate()
        remote.deinitialize(count: local * group.size)
        remote.deallocate()
        inbox.deinitialize(count: local)
        inbox.deallocate()
        nexts.deallocate()
        parity.deallocate()
    }

    func exchange(rank: Int, outgoing: inout [[Event]], localNext: Picoseconds, incoming: inout [Event]) -> Picoseconds {
        let l = rank - base
        let processes = group.size
        let p = parity[l]
        parity[l] = p ^ 1
        let half = p * local * local
        for d in 0..<ranks where d != rank && !outgoing[d].isEmpty {
            let q = processOfWorker[d]
            if q == group.rank {
                swap(&slots[half + l * local + (d - base)], &outgoing[d])
            } else if remote[l * processes + q].isEmpty {
                swap(&remote[l * processes + q], &outgoing[d])
            } else {
                remote[l * processes + q].append(contentsOf: outgoing[d])
                outgoing[d].removeAll(keepingCapacity: true)
            }
        }
        nexts[l] = localNext
        barrier.wait()
        if l == 0 { exchangeBetweenProcesses() }
        barrier.wait()
        for s in 0..<local where s != l {
            let i = half + s * local + l
            if !slots[i].isEmpty {
                incoming.append(contentsOf: slots[i])
                slots[i].removeAll(keepingCapacity: true)
            }
        }
        if !inbox[l].isEmpty {
            if incoming.isEmpty {
                swap(&incoming, &inbox[l])  // no copy: the caller empties `incoming` before the next exchange
            } else {
                incoming.append(contentsOf: inbox[l])
                inbox[l].removeAll(keepingCapacity: true)
            }
        }
        return next
    }

    /// The designated worker's part: one process-level exchange for all local workers.
    private func exchangeBetweenProcesses() {
        let processes = group.size
        var localMin = Picoseconds.max
        for s in 0..<local {
            localMin = min(localMin, nexts[s])
            for q in 0..<processes where !remote[s * processes + q].isEmpty {
                if send[q].isEmpty {
                    swap(&send[q], &remote[s * processes + q])
                } else {
                    send[q].append(contentsOf: remote[s * processes + q])
                    remote[s * processes + q].removeAll(keepingCapacity: true)
                }
            }
        }
        next = group.exchange(outgoing: &send, localNext: localMin, incoming: &received, timing: &timing)
        exchanges += 1
        if received.isEmpty { return }
        if local == 1 {
            swap(&inbox[0], &received)
        } else {
            for e in received {
                let w = map.workerOf[Int(map.partitionOf[Int(e.target.raw)])]
                inbox[w - base].append(e)
            }
            received.removeAll(keepingCapacity: true)
        }
    }
}
