import Foundation
import SpindleCore

/// Settings of a cycle-level NoC study, as in a BookSim2 configuration.
public struct NoCStudyConfig: Sendable, Equatable {
    public enum Topology: String, Sendable, CaseIterable { case mesh, torus, ring }
    public enum Traffic: String, Sendable, CaseIterable { case uniform, transpose, bitcomp }
    public var topology: Topology = .mesh
    /// Routers per dimension.
    public var k = 8
    /// Dimensions (ring: 1).
    public var n = 2
    public var virtualChannels = 16
    public var bufferFlits = 8
    public var packetFlits = 1
    public var traffic: Traffic = .uniform
    /// Offered load per node per cycle (packets, or flits with `injectionInFlits`).
    public var injectionRate = 0.1
    public var injectionInFlits = false
    /// Cycles from freeing a buffer slot to the upstream router seeing its credit; 0 and 1 both mean the next
    /// cycle (this cycle's credits have been applied when the slot is freed).
    public var creditDelay = 2
    public var allocationIterations = 2
    public var warmupCycles = 3_000
    public var measureCycles = 10_000
    /// Cycles allowed after the measurement window for measured packets to drain; beyond it the run is
    /// reported unstable (saturated).
    public var drainCycles = 20_000
    public var seed: UInt64 = 1
    public init() {}

    public var nodes: Int { n == 1 ? k : k * k }
}

/// Results of a NoC study run, in the terms BookSim reports.
public struct NoCStudyResult: Sendable, Codable, Equatable {
    public var offeredLoad: Double
    public var averagePacketLatency: Double
    public var averageNetworkLatency: Double
    public var minPacketLatency: Int
    public var maxPacketLatency: Int
    /// Flits accepted (ejected) per node per cycle during the measurement window.
    public var acceptedFlitRate: Double
    /// Routers traversed per packet.
    public var averageHops: Double
    public var measuredPackets: Int
    /// False when measured packets did not drain in time: the offered load is past saturation.
    public var stable: Bool
    public var cycles: Int

    enum CodingKeys: String, CodingKey {
        case stable, cycles
        case offeredLoad = "load"
        case averagePacketLatency = "avg_packet_latency"
        case averageNetworkLatency = "avg_network_latency"
        case minPacketLatency = "min_packet_latency"
        case maxPacketLatency = "max_packet_latency"
        case acceptedFlitRate = "avg_accepted_flit_rate"
        case averageHops = "avg_hops"
        case measuredPackets = "measured_packets"
    }
}

/// Coordinates and dimension-order routes of a k-ary n-cube (mesh, torus or ring).
struct CubeGeometry: Sendable {
    let k: Int, n: Int, wraps: Bool

    func coordinate(_ r: Int, _ d: Int) -> Int { d == 0 ? r % k : r / k }

    /// The neighbour through port p (1 + 2d: +, 2 + 2d: -), or -1 at a mesh edge.
    func neighbour(_ r: Int, _ p: Int) -> Int {
        let d = (p - 1) / 2, plus = (p - 1) % 2 == 0
        let c = coordinate(r, d)
        var nc = plus ? c + 1 : c - 1
        if nc < 0 || nc >= k {
            guard wraps else { return -1 }
            nc = (nc + k) % k
        }
        return d == 0 ? r - c + nc : r + (nc - c) * k
    }

    /// Dimension-order route from router r towards destination: (output port, crosses the dateline).
    @inline(__always)
    func route(_ r: Int, _ dst: Int) -> (Int, Bool) {
        for d in 0..<n {
            let c = coordinate(r, d), t = coordinate(dst, d)
            if c == t { continue }
            var plus = t > c
            if wraps {
                let forward = (t - c + k) % k
                plus = forward <= k - forward
            }
            let p = 1 + 2 * d + (plus ? 0 : 1)
            let crossing = wraps && ((plus && c == k - 1) || (!plus && c == 0))
            return (p, crossing)
        }
        return (0, false)
    }
}

/// A cycle-level virtual-channel network: input-queued routers with credit flow control, VC allocation,
/// separable iSLIP switch allocation, wormhole switching and dimension-order routing.
///
/// Per hop a head flit spends one cycle in VC allocation, one in switch allocation and two in switch and
/// link traversal; injection and ejection channels add one cycle each. On BookSim2's 8x8 mesh this gives
/// its minimum and maximum zero-load latencies exactly (6 and 62 cycles). Torus and ring links use two VC
/// classes with a dateline per dimension so that dimension-order routing cannot deadlock.
///
/// Storage is flat (one ring buffer per input VC in one array) and only routers holding flits are
/// visited, so a cycle costs in proportion to the traffic, not to the network size. It is a struct so that
/// its arrays are checked for exclusive access at compile time rather than on every access.
public struct NoCNetwork {
    public let config: NoCStudyConfig
    let routers: Int, ports: Int, vcs: Int, depth: Int
    let geometry: CubeGeometry

    struct Flit {
        var packet: Int32
        var head: Bool
        var tail: Bool
        var ready: Int32  // first cycle it may take part in allocation at this router
    }

    struct Packet {
        var destination: Int32
        var created: Int32
        var injected: Int32 = -1
        var hops: Int16 = 0
        var flitsSent: Int16 = 0
        var measured: Bool
    }

    // Input VCs, indexed slot = (router * ports + port) * vcs + vc: ring buffers of `depth` flits.
    var flits: [Flit]
    var bufferHead: [Int32]
    var bufferCount: [Int32]
    var outPort: [Int8]
    var outVC: [Int16]
    var vaCycle: [Int32]
    var vcClass: [Int8]
    // Output VCs, same indexing by output port.
    var owned: [Bool]
    var credits: [Int16]
    var tailSent: [Bool]
    /// Flits buffered in each router (routers with none are skipped).
    var routerFlits: [Int32]
    /// Per (router, input port): bit v set when VC v holds flits.
    var occupied: [UInt64]
    var vaPointer: [Int32], grantPointer: [Int32], acceptPointer: [Int32], vcPointer: [Int32]
    var injectVC: [Int32]
    var neighbours: [Int32]
    // Timed arrivals and credits in buckets by cycle (delays are short).
    var arrivalBuckets: [[(Int32, Flit)]]
    var creditBuckets: [[Int32]]
    let bucketCount: Int
    var packets: [Packet] = []
    var sourceQueues: [[Int32]]
    var sourceHead: [Int]
    var now = 0
    var rng: RandomStream
    // Scratch for switch allocation.
    var request: [UInt32]
    var grants: [Int8]
    var inMatched: [Int8], outMatched: [Int8]
    var ejectedScratch: [Flit] = []
    var waitingScratch: [Int] = []

    public init(config: NoCStudyConfig) {
        self.config = config
        geometry = CubeGeometry(k: config.k, n: config.n, wraps: config.topology != .mesh)
        routers = config.nodes
        ports = 2 * config.n + 1
        vcs = config.virtualChannels
        depth = config.bufferFlits
        let slots = routers * ports * vcs
        flits = Array(repeating: Flit(packet: 0, head: false, tail: false, ready: 0), count: slots * depth)
        bufferHead = Array(repeating: 0, count: slots)
        bufferCount = Array(repeating: 0, count: slots)
        outPort = Array(repeating: -1, count: slots)
        outVC = Array(repeating: -1, count: slots)
        vaCycle = Array(repeating: -1, count: slots)
        vcClass = Array(repeating: 0, count: slots)
        owned = Array(repeating: false, count: slots)
        credits = Array(repeating: Int16(config.bufferFlits), count: slots)
        tailSent = Array(repeating: false, count: slots)
        routerFlits = Array(repeating: 0, count: routers)
        occupied = Array(repeating: 0, count: routers * ports)
        vaPointer = Array(repeating: 0, count: routers * ports)
        grantPointer = Array(repeating: 0, count: routers * ports)
        acceptPointer = Array(repeating: 0, count: routers * ports)
        vcPointer = Array(repeating: 0, count: routers * ports)
        injectVC = Array(repeating: -1, count: routers)
        sourceQueues = Array(repeating: [], count: routers)
        sourceHead = Array(repeating: 0, count: routers)
        bucketCount = max(8, config.creditDelay + 4)
        arrivalBuckets = Array(repeating: [], count: bucketCount)
        creditBuckets = Array(repeating: [], count: bucketCount)
        rng = RandomStream(seed: config.seed)
        request = Array(repeating: 0, count: ports)
        grants = Array(repeating: -1, count: ports)
        inMatched = Array(repeating: -1, count: ports)
        outMatched = Array(repeating: -1, count: ports)
        neighbours = []
        for r in 0..<routers { for p in 0..<ports { neighbours.append(Int32(p == 0 ? r : geometry.neighbour(r, p))) } }
    }

    // MARK: Geometry

    static func opposite(_ p: Int) -> Int { p == 0 ? 0 : (p % 2 == 1 ? p + 1 : p - 1) }
    var wraps: Bool { geometry.wraps }

    mutating func destination(of source: Int) -> Int {
        switch config.traffic {
        case .uniform: return Int(rng.nextBelow(UInt64(routers)))
        case .transpose:
            guard config.n == 2 else { return source }
            return geometry.coordinate(source, 0) * config.k + geometry.coordinate(source, 1)
        case .bitcomp: return ~source & (routers - 1)
        }
    }

    // MARK: Buffers

    @inline(__always) mutating func front(_ slot: Int) -> Flit? {
        bufferCount[slot] == 0 ? nil : flits[slot * depth + Int(bufferHead[slot])]
    }

    @inline(__always) mutating func push(_ slot: Int, _ f: Flit) {
        let i = (Int(bufferHead[slot]) + Int(bufferCount[slot])) % depth
        flits[slot * depth + i] = f
        bufferCount[slot] += 1
        routerFlits[slot / (ports * vcs)] += 1
        occupied[slot / vcs] |= 1 << UInt64(slot % vcs)
    }

    @inline(__always) mutating func pop(_ slot: Int) -> Flit {
        let f = flits[slot * depth + Int(bufferHead[slot])]
        bufferHead[slot] = Int32((Int(bufferHead[slot]) + 1) % depth)
        bufferCount[slot] -= 1
        routerFlits[slot / (ports * vcs)] -= 1
        if bufferCount[slot] == 0 { occupied[slot / vcs] &= ~(1 << UInt64(slot % vcs)) }
        return f
    }

    // MARK: Simulation

    /// Runs warm-up, measurement and drain; returns the measured statistics.
    /// Runs warm-up, measurement and drain; `progress` is told the fraction of the longest possible run
    /// done, every 4,096 cycles.
    public mutating func run(progress: ((Double) -> Void)? = nil) -> NoCStudyResult {
        let c = config
        let perPacket = c.injectionInFlits ? c.injectionRate / Double(c.packetFlits) : c.injectionRate
        let measureStart = c.warmupCycles, measureEnd = c.warmupCycles + c.measureCycles
        var acceptedFlits = 0
        var measuredOutstanding = 0
        var latencySum = 0, networkSum = 0, hopSum = 0, measured = 0
        var minLatency = Int.max, maxLatency = 0
        var drained = true
        while true {
            if now >= measureEnd && measuredOutstanding == 0 { break }
            if now >= measureEnd + c.drainCycles {
                drained = false
                break
            }
            if now & 0xFFF == 0 { progress?(Double(now) / Double(measureEnd + c.drainCycles)) }
            let bucket = now % bucketCount
            for (slot, f) in arrivalBuckets[bucket] { push(Int(slot), f) }
            arrivalBuckets[bucket].removeAll(keepingCapacity: true)
            for slot in creditBuckets[bucket] {
                let s = Int(slot)
                credits[s] += 1
                if tailSent[s] && Int(credits[s]) == c.bufferFlits {
                    owned[s] = false
                    tailSent[s] = false
                }
            }
            creditBuckets[bucket].removeAll(keepingCapacity: true)
            for r in 0..<routers where routerFlits[r] > 0 {
                switchAllocate(r)
                for flit in ejectedScratch {
                    // An ejected flit leaves the network 3 cycles later (traversal + ejection channel).
                    if now >= measureStart && now < measureEnd { acceptedFlits += 1 }
                    guard flit.tail else { continue }
                    let p = packets[Int(flit.packet)]
                    guard p.measured else { continue }
                    let latency = now + 3 - Int(p.created)
                    latencySum += latency
                    networkSum += now + 3 - Int(p.injected)
                    hopSum += Int(p.hops)
                    minLatency = min(minLatency, latency)
                    maxLatency = max(maxLatency, latency)
                    measured += 1
                    measuredOutstanding -= 1
                }
                ejectedScratch.removeAll(keepingCapacity: true)
                vcAllocate(r)
            }
            for node in 0..<routers {
                if perPacket > 0 && rng.nextUnit() < perPacket {
                    let m = now >= measureStart && now < measureEnd
                    packets.append(Packet(destination: Int32(destination(of: node)), created: Int32(now), measured: m))
                    sourceQueues[node].append(Int32(packets.count - 1))
                    if m { measuredOutstanding += 1 }
                }
                if sourceHead[node] < sourceQueues[node].count { inject(node) }
            }
            now += 1
        }
        let count = max(measured, 1)
        let offered = c.injectionInFlits ? c.injectionRate : c.injectionRate * Double(c.packetFlits)
        let accepted = Double(acceptedFlits) / Double(routers * c.measureCycles)
        return NoCStudyResult(
            offeredLoad: offered, averagePacketLatency: Double(latencySum) / Double(count),
            averageNetworkLatency: Double(networkSum) / Double(count), minPacketLatency: measured > 0 ? minLatency : 0,
            maxPacketLatency: maxLatency, acceptedFlitRate: accepted, averageHops: Double(hopSum) / Double(count),
            measuredPackets: measured, stable: drained && accepted >= 0.95 * offered, cycles: now)
    }

    /// Moves the next flit of the node's oldest packet into a local input VC (one flit per cycle).
    mutating func inject(_ node: Int) {
        let pk = Int(sourceQueues[node][sourceHead[node]])
        let base = (node * ports) * vcs
        var vc = Int(injectVC[node])
        if vc < 0 {
            // A head flit needs an idle VC with an empty buffer.
            let start = Int(vcPointer[node * ports])
            for k in 0..<vcs {
                let v = (start + k) % vcs
                if bufferCount[base + v] == 0 && outVC[base + v] < 0 {
                    vc = v
                    break
                }
            }
            guard vc >= 0 else { return }
            injectVC[node] = Int32(vc)
            vcPointer[node * ports] = Int32((vc + 1) % vcs)
        }
        guard Int(bufferCount[base + vc]) < depth else { return }
        let index = Int(packets[pk].flitsSent)
        if index == 0 { packets[pk].injected = Int32(now + 2) }
        packets[pk].flitsSent += 1
        let tail = Int(packets[pk].flitsSent) == config.packetFlits
        push(base + vc, Flit(packet: Int32(pk), head: index == 0, tail: tail, ready: Int32(now + 2)))
        if tail {
            sourceHead[node] += 1
            injectVC[node] = -1
            if sourceHead[node] > 4_096 && sourceHead[node] * 2 > sourceQueues[node].count {
                sourceQueues[node].removeFirst(sourceHead[node])
                sourceHead[node] = 0
            }
        }
    }

    /// The VC class a head flit needs on output o from input slot: 1 after the dateline, 0 before.
    // Helpers that read state are `mutating` only so that calling them does not copy the network.
    @inline(__always) mutating func classFor(_ slot: Int, inPort: Int, outPort o: Int, crossing: Bool) -> Int {
        let sameDimension = inPort != 0 && (inPort - 1) / 2 == (o - 1) / 2
        return crossing || (sameDimension && vcClass[slot] == 1) ? 1 : 0
    }

    mutating func vcAllocate(_ r: Int) {
        let first = r * ports * vcs, total = ports * vcs
        let now32 = Int32(now)
        // Route every waiting head flit (routing takes no cycle) and list the waiting input VCs.
        waitingScratch.removeAll(keepingCapacity: true)
        for p in 0..<ports {
            var bits = occupied[r * ports + p]
            while bits != 0 {
                let v = bits.trailingZeroBitCount
                bits &= bits - 1
                let slot = first + p * vcs + v
                guard outVC[slot] < 0 else { continue }
                let f = flits[slot * depth + Int(bufferHead[slot])]
                guard f.head, f.ready <= now32 else { continue }
                if outPort[slot] < 0 {
                    let port = Int8(geometry.route(r, Int(packets[Int(f.packet)].destination)).0)
                    outPort[slot] = port
                }
                waitingScratch.append(slot - first)
            }
        }
        guard !waitingScratch.isEmpty else { return }
        // For each output port, grant free output VCs to its requesters in round-robin order from the pointer.
        for o in 0..<ports {
            if o != 0 && neighbours[r * ports + o] < 0 { continue }
            let start = Int(vaPointer[r * ports + o])
            // Waiting VCs are in index order; begin at the first one at or after the pointer.
            var pivot = waitingScratch.count
            for (w, idx) in waitingScratch.enumerated() where idx >= start {
                pivot = w
                break
            }
            for k in 0..<waitingScratch.count {
                let idx = waitingScratch[(pivot + k) % waitingScratch.count]
                let slot = first + idx
                guard outVC[slot] < 0, Int(outPort[slot]) == o else { continue }
                if o == 0 {
                    outVC[slot] = 0
                    vaCycle[slot] = now32
                    vaPointer[r * ports + o] = Int32((idx + 1) % total)
                    continue
                }
                var lo = 0, hi = vcs
                if wraps && vcs >= 2 {
                    let f = flits[slot * depth + Int(bufferHead[slot])]
                    let crossing = geometry.route(r, Int(packets[Int(f.packet)].destination)).1
                    let cls = classFor(slot, inPort: idx / vcs, outPort: o, crossing: crossing)
                    lo = cls == 0 ? 0 : vcs / 2
                    hi = cls == 0 ? vcs / 2 : vcs
                }
                let outBase = (r * ports + o) * vcs
                var free = -1
                for v in lo..<hi where !owned[outBase + v] {
                    free = v
                    break
                }
                guard free >= 0 else { continue }
                owned[outBase + free] = true
                outVC[slot] = Int16(free)
                vaCycle[slot] = now32
                vaPointer[r * ports + o] = Int32((idx + 1) % total)
            }
        }
    }

    @inline(__always) mutating func canSend(_ r: Int, _ slot: Int, _ now32: Int32) -> Bool {
        guard outVC[slot] >= 0, vaCycle[slot] < now32, bufferCount[slot] > 0 else { return false }
        guard flits[slot * depth + Int(bufferHead[slot])].ready <= now32 else { return false }
        let o = Int(outPort[slot])
        return o == 0 || credits[(r * ports + o) * vcs + Int(outVC[slot])] > 0
    }

    /// iSLIP over (input port, output port); flits switched to the local port go to `ejectedScratch`.
    mutating func switchAllocate(_ r: Int) {
        let now32 = Int32(now)
        var any = false
        for p in 0..<ports {
            var mask: UInt32 = 0
            let base = (r * ports + p) * vcs
            var bits = occupied[r * ports + p]
            while bits != 0 {
                let v = bits.trailingZeroBitCount
                bits &= bits - 1
                let ok = canSend(r, base + v, now32)
                if ok { mask |= 1 << UInt32(outPort[base + v]) }
            }
            request[p] = mask
            if mask != 0 { any = true }
            inMatched[p] = -1
            outMatched[p] = -1
        }
        guard any else { return }
        for iteration in 0..<config.allocationIterations {
            for o in 0..<ports {
                grants[o] = -1
                guard outMatched[o] < 0 else { continue }
                let start = Int(grantPointer[r * ports + o])
                for k in 0..<ports {
                    let i = (start + k) % ports
                    if inMatched[i] < 0 && request[i] & (1 << UInt32(o)) != 0 {
                        grants[o] = Int8(i)
                        break
                    }
                }
            }
            for i in 0..<ports where inMatched[i] < 0 {
                let start = Int(acceptPointer[r * ports + i])
                for k in 0..<ports {
                    let o = (start + k) % ports
                    if Int(grants[o]) == i {
                        inMatched[i] = Int8(o)
                        outMatched[o] = Int8(i)
                        if iteration == 0 {
                            grantPointer[r * ports + o] = Int32((i + 1) % ports)
                            acceptPointer[r * ports + i] = Int32((o + 1) % ports)
                        }
                        break
                    }
                }
            }
        }
        for i in 0..<ports where inMatched[i] >= 0 {
            let o = Int(inMatched[i])
            var chosen = -1
            let start = Int(vcPointer[r * ports + i])
            let held = occupied[r * ports + i]
            // Occupied VCs at or after the pointer first, then the rest (round robin).
            let rotated = start == 0 ? held : (held >> UInt64(start)) | (held << UInt64(vcs - start))
            var bits = vcs == 64 ? rotated : rotated & ((1 << UInt64(vcs)) - 1)
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                bits &= bits - 1
                let v = (start + k) % vcs
                let slot = (r * ports + i) * vcs + v
                let ok = Int(outPort[slot]) == o && canSend(r, slot, now32)
                if ok {
                    chosen = slot
                    vcPointer[r * ports + i] = Int32((v + 1) % vcs)
                    break
                }
            }
            guard chosen >= 0 else { continue }
            let flit = pop(chosen)
            let pk = Int(flit.packet)
            if flit.head { packets[pk].hops += 1 }
            if i != 0 {
                // A credit back upstream for the freed buffer slot.
                let upstream = Int(neighbours[r * ports + i])
                let upSlot = (upstream * ports + NoCNetwork.opposite(i)) * vcs + chosen % vcs
                // This cycle's bucket was applied when the cycle began: a credit lands in the next cycle at the earliest.
                let bucket = (now + max(1, config.creditDelay)) % bucketCount
                creditBuckets[bucket].append(Int32(upSlot))
            }
            if o != 0 {
                let ov = Int(outVC[chosen])
                let outSlot = (r * ports + o) * vcs + ov
                credits[outSlot] -= 1
                let next = Int(neighbours[r * ports + o])
                let inSlot = (next * ports + NoCNetwork.opposite(o)) * vcs + ov
                var moved = flit
                moved.ready = Int32(now + 3)
                let bucket = (now + 3) % bucketCount
                arrivalBuckets[bucket].append((Int32(inSlot), moved))
                if flit.head {
                    let crossing = geometry.route(r, Int(packets[pk].destination)).1
                    let cls = Int8(classFor(chosen, inPort: i, outPort: o, crossing: crossing))
                    vcClass[inSlot] = cls
                }
                if flit.tail {
                    tailSent[outSlot] = true
                    let full = Int(credits[outSlot]) == config.bufferFlits
                    if full {
                        owned[outSlot] = false
                        tailSent[outSlot] = false
                    }
                }
            } else {
                ejectedScratch.append(flit)
            }
            if flit.tail {
                outVC[chosen] = -1
                outPort[chosen] = -1
                vaCycle[chosen] = -1
            }
        }
    }
}
