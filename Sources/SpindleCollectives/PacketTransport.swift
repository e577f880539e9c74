import SpindleCore

/// How a collective's transfers cross the network, at one level of fidelity.
protocol CollectiveTransport {
    /// Starts transfer `payload` of `bytes` (> 0) over `links` (not empty), hop `h` taking `latencies[h]`
    /// after its bytes leave link `h`.
    mutating func start(_ payload: Int, links: [Int], latencies: [Double], bytes: Double, at time: Double)
    /// Called once an instant's starts are in.
    mutating func settle(at time: Double)
    /// The next time something happens inside the network.
    mutating func nextTime() -> Double?
    /// What happens at `time`: transfers whose last byte left their source (`arrived` false) or reached
    /// their destination (`arrived` true).
    mutating func advance(to time: Double) -> [(payload: Int, arrived: Bool)]
}

/// Flow level: one flow per transfer on an incremental max-min network; it arrives its route's latency
/// after its last byte leaves.
struct FlowTransport: CollectiveTransport {
    /// A transfer whose last byte has left, due at its destination at `time`.
    struct Arrival: Comparable, Sendable {
        var time: Double, sequence: Int, payload: Int
        static func < (a: Arrival, b: Arrival) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }
    var network: FlowNetwork
    /// Each flow handle's transfer and route latency (handles are reused once their flow finishes).
    var payloadOf: [Int] = []
    var latencyOf: [Double] = []
    var arrivals = BinaryHeap<Arrival>()
    var sequence = 0

    init(capacityBytesPerPs: [Double]) { network = FlowNetwork(capacityBytesPerPs: capacityBytesPerPs) }

    mutating func start(_ payload: Int, links: [Int], latencies: [Double], bytes: Double, at time: Double) {
        let id = network.add(links: links, bytes: bytes, at: time)
        if id == payloadOf.count {
            payloadOf.append(payload)
            latencyOf.append(0)
        }
        payloadOf[id] = payload
        latencyOf[id] = latencies.reduce(0, +)
    }

    mutating func settle(at time: Double) { network.settle(at: time) }

    mutating func nextTime() -> Double? {
        let a = arrivals.first?.time
        guard let f = network.nextFinish() else { return a }
        return min(f, a ?? .infinity)
    }

    mutating func advance(to time: Double) -> [(payload: Int, arrived: Bool)] {
        var out: [(payload: Int, arrived: Bool)] = []
        while let top = arrivals.first, top.time <= time {
            arrivals.pop()
            out.append((top.payload, true))
        }
        for id in network.finish(upTo: time) {
            out.append((payloadOf[id], false))
            arrivals.push(Arrival(time: time + latencyOf[id], sequence: sequence, payload: payloadOf[id]))
            sequence += 1
        }
        return out
    }
}

/// Packet level: a transfer is cut into packets of `packetBytes` (the last one smaller) that are stored and
/// forwarded link by link; each link sends one packet at a time at its bandwidth, taking turns among the
/// transfers waiting at it (round robin, one packet each), and a packet reaches the next link's queue the
/// link's latency after it is sent. Deterministic: events by (time, sequence).
struct PacketTransport: CollectiveTransport {
    let capacity: [Double]
    let packetBytes: Double

    struct Transfer {
        var payload: Int
        var links: [Int]
        var latencies: [Double]
        var packets: Int
        var lastBytes: Double
        /// Packets waiting at each hop, sent from each hop, and arrived at the destination.
        var queued: [Int]
        var sent: [Int]
        var arrived = 0
        var waiting: [Bool]
    }
    var transfers: [Transfer] = []
    /// Per link: the (transfer, hop) pairs with packets waiting, in turn order, the next turn, and whether it is sending.
    var turns: [[(transfer: Int, hop: Int)]]
    var nextTurn: [Int]
    var busy: [Bool]
    /// A packet leaving a link (kind 0) or reaching a queue or its destination (1), by (time, sequence).
    struct PacketEvent: Comparable, Sendable {
        var time: Double, sequence: Int, kind: Int, transfer: Int, hop: Int
        static func < (a: PacketEvent, b: PacketEvent) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: PacketEvent, b: PacketEvent) -> Bool { (a.time, a.sequence) == (b.time, b.sequence) }
    }
    var events = BinaryHeap<PacketEvent>()
    var sequence = 0
    var now = 0.0

    init(capacityBytesPerPs: [Double], packetBytes: Double) {
        capacity = capacityBytesPerPs
        self.packetBytes = packetBytes
        turns = Array(repeating: [], count: capacity.count)
        nextTurn = Array(repeating: 0, count: capacity.count)
        busy = Array(repeating: false, count: capacity.count)
    }

    /// Packets a transfer of `bytes` is cut into.
    static func packets(_ bytes: Double, of size: Double) -> Int { max(1, Int((bytes / size).rounded(.up))) }

    mutating func start(_ payload: Int, links: [Int], latencies: [Double], bytes: Double, at time: Double) {
        let n = Self.packets(bytes, of: packetBytes)
        let hops = links.count
        var t = Transfer(
            payload: payload, links: links, latencies: latencies, packets: n, lastBytes: bytes - Double(n - 1) * packetBytes,
            queued: Array(repeating: 0, count: hops), sent: Array(repeating: 0, count: hops), waiting: Array(repeating: false, count: hops))
        t.queued[0] = n
        transfers.append(t)
        enqueue(transfers.count - 1, hop: 0)
        trySend(links[0], at: time)
    }

    private mutating func enqueue(_ tr: Int, hop: Int) {
        guard !transfers[tr].waiting[hop] else { return }
        transfers[tr].waiting[hop] = true
        turns[transfers[tr].links[hop]].append((tr, hop))
    }

    private mutating func push(_ time: Double, kind: Int, _ tr: Int, _ hop: Int) {
        events.push(PacketEvent(time: time, sequence: sequence, kind: kind, transfer: tr, hop: hop))
        sequence += 1
    }

    /// Link `l` sends its next waiting packet, if it is free.
    private mutating func trySend(_ l: Int, at time: Double) {
        guard !busy[l], !turns[l].isEmpty else { return }
        let turn = turns[l][nextTurn[l] % turns[l].count]
        let tr = turn.transfer, hop = turn.hop
        transfers[tr].queued[hop] -= 1
        let index = transfers[tr].sent[hop]
        transfers[tr].sent[hop] += 1
        let size = index == transfers[tr].packets - 1 ? transfers[tr].lastBytes : packetBytes
        if transfers[tr].queued[hop] == 0 {
            transfers[tr].waiting[hop] = false
            turns[l].remove(at: nextTurn[l] % turns[l].count)
        } else {
            nextTurn[l] += 1
        }
        if !turns[l].isEmpty { nextTurn[l] %= turns[l].count } else { nextTurn[l] = 0 }
        busy[l] = true
        push(time + size / capacity[l], kind: 0, tr, hop)
    }

    mutating func settle(at time: Double) {}

    mutating func nextTime() -> Double? { events.first?.time }

    mutating func advance(to time: Double) -> [(payload: Int, arrived: Bool)] {
        var out: [(payload: Int, arrived: Bool)] = []
        while let top = events.first, top.time <= time {
            let e = events.pop()!
            let tr = e.transfer
            if e.kind == 0 {
                // A packet has left hop `e.hop`'s link.
                let l = transfers[tr].links[e.hop]
                busy[l] = false
                if e.hop == 0 && transfers[tr].sent[0] == transfers[tr].packets && transfers[tr].queued[0] == 0 {
                    out.append((transfers[tr].payload, false))
                }
                push(e.time + transfers[tr].latencies[e.hop], kind: 1, tr, e.hop + 1)
                trySend(l, at: e.time)
            } else if e.hop == transfers[tr].links.count {
                transfers[tr].arrived += 1
                if transfers[tr].arrived == transfers[tr].packets { out.append((transfers[tr].payload, true)) }
            } else {
                transfers[tr].queued[e.hop] += 1
                enqueue(tr, hop: e.hop)
                trySend(transfers[tr].links[e.hop], at: e.time)
            }
        }
        return out
    }
}
