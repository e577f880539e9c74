import SpindleCore

/// How a collective runs on a network at flow level.
public struct FlowOptions: Sendable, Equatable {
    /// The collective is cut into this many chunks, each run as the whole algorithm on its share.
    public var chunks = 1
    /// Chunks in flight at an endpoint: chunk c starts there when chunk c - activeChunks has finished there
    /// (its last transfers have left it and arrived at it), so one chunk in flight already pipelines
    /// successive endpoints, and more in flight share the links.
    public var activeChunks = 1
    /// Added to every transfer's latency (software and NIC overhead at the endpoints).
    public var endpointDelayPs: Picoseconds = 0
    /// When set, every transfer also reads its bytes from the sender's local memory and writes them to the
    /// receiver's at this rate, shared by the transfers at that endpoint (collectives staged through memory).
    public var localMemoryGBPerSecond: Double?
    /// nil: flow level. A size: packet level, transfers cut into packets of this many bytes, stored and
    /// forwarded link by link, each link serving its transfers round robin.
    public var packetBytes: Double?
    public init() {}
}

/// The result of a collective run at flow level.
public struct CollectiveResult: Sendable, Equatable, Codable {
    public var operation: String
    public var algorithm: String
    public var network: String
    public var endpoints: Int
    public var bytes: Double
    /// From the first transfer's start to the last one's arrival.
    public var timePs: Double
    public var steps: Int
    public var transfers: Int
    /// Bytes that crossed each link (index as the network's links).
    public var linkBytes: [Double]
    public var energyPJ: Double
    /// "flow", or "packet" with the packet size.
    public var fidelity = "flow"
    /// bytes / time (NCCL's algorithm bandwidth), GB/s.
    public var algorithmGBPerSecond: Double { timePs > 0 ? bytes / timePs * 1e3 : 0 }
}

/// A collective on a network, at flow level (the default) or packet level (`FlowOptions.packetBytes`).
///
/// Flow level: each transfer is one flow over its route; flows sharing a link share its bandwidth max-min
/// fairly (progressive filling, recomputed incrementally), and a transfer arrives its route's latency after
/// its last byte leaves. Packet level: `PacketTransport`. Deterministic: events are ordered by (time, kind,
/// sequence).
public struct FlowSimulation {
    let network: ClusterNetwork
    let options: FlowOptions

    public init(network: ClusterNetwork, options: FlowOptions = FlowOptions()) {
        self.network = network
        self.options = options
    }

    /// Runs `schedule` cut into `options.chunks` chunks (each transfer's bytes shared equally), with the chunk
    /// dependencies.
    public func run(
        _ schedule: CollectiveSchedule, operation: CollectiveOperation, algorithm: String, bytes: Double
    ) throws(SpindleError) -> CollectiveResult {
        let E = network.endpoints
        let memoryLinks = options.localMemoryGBPerSecond != nil
        // Capacities in bytes per ps: the network's links, then (optionally) each endpoint's memory read
        // and write ports.
        var capacity = network.links.map { $0.gbPerSecond * 1e-3 }
        if let m = options.localMemoryGBPerSecond { capacity += Array(repeating: m * 1e-3, count: 2 * E) }
        for step in schedule.steps {
            for t in step where t.source >= E || t.destination >= E || t.source < 0 || t.destination < 0 {
                throw SpindleError(.invalidValue, "a transfer names endpoint \(max(t.source, t.destination)) of a network of \(E)")
            }
        }
        let K = schedule.steps.count, C = max(1, options.chunks), A = max(1, options.activeChunks)
        // Routes and latencies per (source, destination), computed once.
        var routes: [Int: ([Int], Double)] = [:]
        func route(_ s: Int, _ d: Int) throws(SpindleError) -> ([Int], Double) {
            if let r = routes[s * E + d] { return r }
            let links = network.route(s, d)
            guard !links.isEmpty || s == d else {
                throw SpindleError(.invalidValue, "endpoints \(s) and \(d) of '\(network.name)' are not connected")
            }
            var all = links
            if memoryLinks { all += [network.links.count + s, network.links.count + E + d] }
            let latency = Double(links.reduce(0) { $0 + network.links[$1].latencyPs } + options.endpointDelayPs)
            routes[s * E + d] = (all, latency)
            return (all, latency)
        }
        /// Each hop's latency (the memory ports take none; the endpoint delay comes with the last hop).
        func hopLatencies(_ links: [Int]) -> [Double] {
            var l = links.map { $0 < network.links.count ? Double(network.links[$0].latencyPs) : 0 }
            if !l.isEmpty { l[l.count - 1] += Double(options.endpointDelayPs) }
            return l
        }
        // Per (chunk, step, endpoint): transfers touching it, those finished, and the latest finish.
        func key(_ c: Int, _ k: Int, _ e: Int) -> Int { (c * (K + 1) + k) * E + e }
        var touching = [Int](repeating: 0, count: C * (K + 1) * E)
        for k in 0..<K {
            for t in schedule.steps[k] {
                for c in 0..<C {
                    touching[key(c, k, t.source)] += 1
                    if t.destination != t.source { touching[key(c, k, t.destination)] += 1 }
                }
            }
        }
        var finished = [Int](repeating: 0, count: touching.count)
        var latest = [Double](repeating: 0, count: touching.count)
        var ready = [Double?](repeating: nil, count: touching.count)
        // Transfers of each step by source, so an endpoint that becomes ready starts its own.
        var bySource = [[Int]](repeating: [], count: K * E)
        for k in 0..<K { for (i, t) in schedule.steps[k].enumerated() { bySource[k * E + t.source].append(i) } }

        var linkBytes = [Double](repeating: 0, count: network.links.count)
        var flowMeta: [(chunk: Int, step: Int, index: Int, latency: Double)] = []
        var events = EventQueue()
        var start = Double.infinity, end = 0.0, transferCount = 0

        // Marks (c, k, e) ready at `time`, and cascades: (c, k+1, e) is ready once its step-k transfers finish.
        var readyQueue: [(Int, Int, Int, Double)] = []
        func markReady(_ c: Int, _ k: Int, _ e: Int, _ time: Double) { readyQueue.append((c, k, e, time)) }
        func touched(_ c: Int, _ k: Int, _ e: Int, _ time: Double) {
            let i = key(c, k, e)
            finished[i] += 1
            latest[i] = max(latest[i], time)
            if finished[i] == touching[i], let r = ready[i] { markReady(c, k + 1, e, max(r, latest[i])) }
        }
        func drainReady() throws(SpindleError) {
            while let (c, k, e, time) = readyQueue.popLast() {
                let i = key(c, k, e)
                guard ready[i] == nil else { continue }
                ready[i] = time
                if k == K {
                    // Chunk c is done here: chunk c + A may start.
                    end = max(end, time)
                    if c + A < C { markReady(c + A, 0, e, time) }
                    continue
                }
                for index in bySource[k * E + e] {
                    let t = schedule.steps[k][index]
                    events.push(time, kind: 0, payload: flowMeta.count)
                    let (_, latency) = try route(t.source, t.destination)
                    flowMeta.append((c, k, index, latency))
                }
                if finished[i] == touching[i] { markReady(c, k + 1, e, max(time, latest[i])) }
            }
        }
        for c in 0..<min(A, C) { for e in 0..<E { markReady(c, 0, e, 0) } }
        try drainReady()

        var transport: any CollectiveTransport =
            options.packetBytes.map { PacketTransport(capacityBytesPerPs: capacity, packetBytes: $0) }
            ?? FlowTransport(capacityBytesPerPs: capacity)
        while true {
            let nextEvent = events.peekTime
            let nextInside = transport.nextTime() ?? .infinity
            if nextEvent == nil && nextInside == .infinity { break }
            if let t = nextEvent, t <= nextInside {
                // Every event at this instant, then the network settles once.
                while let next = events.peekTime, next == t {
                    let (kind, payload) = events.pop()
                    let m = flowMeta[payload]
                    let tr = schedule.steps[m.step][m.index]
                    if kind == 0 {
                        // A transfer starts.
                        let (links, _) = try route(tr.source, tr.destination)
                        start = min(start, t)
                        transferCount += 1
                        let chunkBytes = tr.bytes / Double(C)
                        for l in links where l < network.links.count { linkBytes[l] += chunkBytes }
                        if links.isEmpty || chunkBytes <= 0 {
                            touched(m.chunk, m.step, tr.source, t)
                            events.push(t + m.latency, kind: 1, payload: payload)
                        } else {
                            transport.start(payload, links: links, latencies: hopLatencies(links), bytes: chunkBytes, at: t)
                        }
                    } else {
                        // An empty transfer arrives.
                        if tr.destination != tr.source { touched(m.chunk, m.step, tr.destination, t) }
                        end = max(end, t)
                    }
                    try drainReady()
                }
                transport.settle(at: t)
            } else {
                let t = nextInside
                for (payload, arrived) in transport.advance(to: t) {
                    let m = flowMeta[payload]
                    let tr = schedule.steps[m.step][m.index]
                    if arrived {
                        if tr.destination != tr.source { touched(m.chunk, m.step, tr.destination, t) }
                        end = max(end, t)
                    } else {
                        touched(m.chunk, m.step, tr.source, t)
                    }
                }
                try drainReady()
                transport.settle(at: t)
            }
        }
        var energy = 0.0
        for (l, b) in linkBytes.enumerated() { energy += b * 8 * network.links[l].picojoulesPerBit }
        return CollectiveResult(
            operation: operation.rawValue, algorithm: algorithm, network: network.name, endpoints: E, bytes: bytes,
            timePs: start.isFinite ? end - start : 0, steps: K, transfers: transferCount, linkBytes: linkBytes, energyPJ: energy,
            fidelity: options.packetBytes.map { "packet (\(Units.formatBytes(UInt64($0))))" } ?? "flow")
    }
}

/// Pending starts and arrivals, by (time, kind, sequence).
struct EventQueue {
    struct Entry: Comparable, Sendable {
        var time: Double, kind: Int, sequence: Int, payload: Int
        static func < (a: Entry, b: Entry) -> Bool { (a.time, a.kind, a.sequence) < (b.time, b.kind, b.sequence) }
        static func == (a: Entry, b: Entry) -> Bool { (a.time, a.kind, a.sequence) == (b.time, b.kind, b.sequence) }
    }
    private var heap = BinaryHeap<Entry>()
    private var sequence = 0

    var peekTime: Double? { heap.first?.time }

    mutating func push(_ time: Double, kind: Int, payload: Int) {
        heap.push(Entry(time: time, kind: kind, sequence: sequence, payload: payload))
        sequence += 1
    }

    mutating func pop() -> (kind: Int, payload: Int) {
        let top = heap.pop()!
        return (top.kind, top.payload)
    }
}
