import Foundation
import SpindleCore

/// A cycle-level virtual-channel network with BookSim2's input-queued router: credit flow control, VC
/// allocation, separable iSLIP switch allocation, wormhole switching and dimension-order routing.
///
/// Timing follows BookSim2's pipeline. A head flit arriving at cycle t is routed in `routingDelay` cycles,
/// allocated a VC in `vcAllocDelay`, the switch in `swAllocDelay`, crosses the crossbar in `crossbarDelay`
/// and the channel in `channelLatency`; body flits go straight to switch allocation. A credit sent when a
/// flit leaves a buffer at switch allocation is usable upstream `swAllocDelay + channelLatency +
/// creditDelay` cycles later. Injection and ejection channels take one cycle each way. On BookSim2's 8x8
/// mesh this gives its minimum and maximum zero-load latencies exactly (6 and 62 cycles).
///
/// Ejection is an output port like the others, with its own VCs and credits returned by the sink. With
/// `waitForTailCredit` off, an output VC is free again once its tail flit has been sent, so an input buffer
/// can hold the end of one packet and the start of the next; the next head redoes routing and VC
/// allocation when it reaches the front. Torus and ring packets keep one VC class per dimension (see
/// `CubeGeometry.enterTorusDimension`).
///
/// Storage is flat (one ring buffer per input VC in one array) and only routers holding flits are
/// visited, so a cycle costs in proportion to the traffic, not to the network size.
public struct NoCNetwork {
    public let config: NoCStudyConfig
    let routers: Int, ports: Int, vcs: Int, depth: Int, speedup: Int
    let geometry: CubeGeometry
    let wraps: Bool
    /// Cycles from switch allocation to the next router's first allocation for a body flit.
    let hopDelay: Int
    /// Cycles from switch allocation to the credit being usable upstream (router, source, sink).
    let creditReturn: Int, injectionCreditReturn: Int, ejectionCreditReturn: Int
    /// Cycles from switch allocation to the ejected flit reaching its node.
    let ejectDelay: Int

    struct Flit {
        var packet: Int32
        var head: Bool
        var tail: Bool
        /// First cycle it may take part in allocation at this router.
        var ready: Int32
    }

    struct Packet {
        var destination: Int32
        var created: Int32
        var injected: Int32 = -1
        var hops: Int16 = 0
        var flitsSent: Int16 = 0
        var measured: Bool
        /// Torus routing state: the dimension being traversed (-1 before the first), its direction and VC class.
        var dimension: Int8 = -1
        var plus = true
        var partition: Int8 = 0
    }

    // Input VCs, indexed slot = (router * ports + port) * vcs + vc: ring buffers of `depth` flits.
    var flits: [Flit]
    var bufferHead: [Int32]
    var bufferCount: [Int32]
    var outPort: [Int8]
    var outVC: [Int16]
    var vaCycle: [Int32]
    // Output VCs (ejection included), same indexing by output port.
    var owned: [Bool]
    var credits: [Int16]
    var tailSent: [Bool]
    // The sources' view of their router's injection VCs, indexed node * vcs + vc.
    var sourceOwned: [Bool]
    var sourceCredits: [Int16]
    var sourceTailSent: [Bool]
    var sourceVC: [Int32]
    var sourcePointer: [Int32]
    /// Flits buffered in each router (routers with none are skipped).
    var routerFlits: [Int32]
    /// Per (router, input port): bit v set when VC v holds flits.
    var occupied: [UInt64]
    /// VC allocation pointers: per output VC (grant) and per input VC (accept).
    var vaPointer: [Int32], vaAcceptPointer: [Int32]
    var grantPointer: [Int32], acceptPointer: [Int32], vcPointer: [Int32]
    var neighbours: [Int32]
    // Timed arrivals, credits and ejections in buckets by cycle (delays are short).
    var arrivalBuckets: [[(Int32, Flit)]]
    /// Output-VC slots (>= 0) or source VCs (-1 - node * vcs - vc).
    var creditBuckets: [[Int32]]
    var ejectBuckets: [[(Int32, Flit)]]
    let bucketCount: Int
    var packets: [Packet] = []
    var sourceQueues: [[Int32]]
    var sourceHead: [Int]
    var now = 0
    var rng: RandomStream
    // Scratch for switch allocation, per crossbar input (port * speedup + sub).
    var request: [UInt32]
    var grants: [Int16]
    var inMatched: [Int8], outMatched: [Int16]
    var waitingScratch: [Int] = []
    /// Per output VC of the router being allocated: the input VC it grants (-1: none).
    var vaGrant: [Int32]
    var stats = NoCStatistics()

    public init(config: NoCStudyConfig) {
        self.config = config
        geometry = CubeGeometry(k: config.k, n: config.n, wraps: config.topology != .mesh)
        wraps = geometry.wraps
        routers = config.nodes
        ports = 2 * config.n + 1
        vcs = config.virtualChannels
        depth = config.bufferFlits
        speedup = config.inputSpeedup
        hopDelay = config.swAllocDelay + config.crossbarDelay + config.channelLatency
        creditReturn = config.swAllocDelay + config.channelLatency + config.creditDelay
        injectionCreditReturn = config.swAllocDelay + 1
        ejectDelay = config.swAllocDelay + config.crossbarDelay + 1
        ejectionCreditReturn = ejectDelay + 2 + config.creditDelay
        let slots = routers * ports * vcs
        flits = Array(repeating: Flit(packet: 0, head: false, tail: false, ready: 0), count: slots * depth)
        bufferHead = Array(repeating: 0, count: slots)
        bufferCount = Array(repeating: 0, count: slots)
        outPort = Array(repeating: -1, count: slots)
        outVC = Array(repeating: -1, count: slots)
        vaCycle = Array(repeating: -1, count: slots)
        owned = Array(repeating: false, count: slots)
        credits = Array(repeating: Int16(config.bufferFlits), count: slots)
        tailSent = Array(repeating: false, count: slots)
        sourceOwned = Array(repeating: false, count: routers * vcs)
        sourceCredits = Array(repeating: Int16(config.bufferFlits), count: routers * vcs)
        sourceTailSent = Array(repeating: false, count: routers * vcs)
        sourceVC = Array(repeating: -1, count: routers)
        sourcePointer = Array(repeating: Int32(vcs - 1), count: routers)
        routerFlits = Array(repeating: 0, count: routers)
        occupied = Array(repeating: 0, count: routers * ports)
        vaPointer = Array(repeating: 0, count: slots)
        vaAcceptPointer = Array(repeating: 0, count: slots)
        vaGrant = Array(repeating: -1, count: ports * vcs)
        grantPointer = Array(repeating: 0, count: routers * ports)
        acceptPointer = Array(repeating: 0, count: routers * ports * speedup)
        vcPointer = Array(repeating: 0, count: routers * ports * speedup)
        sourceQueues = Array(repeating: [], count: routers)
        sourceHead = Array(repeating: 0, count: routers)
        bucketCount = max(hopDelay + config.routingDelay, creditReturn, ejectionCreditReturn, injectionCreditReturn) + 2
        arrivalBuckets = Array(repeating: [], count: bucketCount)
        creditBuckets = Array(repeating: [], count: bucketCount)
        ejectBuckets = Array(repeating: [], count: bucketCount)
        rng = RandomStream(seed: config.seed, stream: 0x4E6F43)
        request = Array(repeating: 0, count: ports * speedup)
        grants = Array(repeating: -1, count: ports)
        inMatched = Array(repeating: -1, count: ports * speedup)
        outMatched = Array(repeating: -1, count: ports)
        var nb = Array(repeating: Int32(-1), count: routers * ports)
        for r in 0..<routers {
            for p in 1..<ports { nb[r * ports + p] = Int32(geometry.neighbour(r, p)) }
        }
        neighbours = nb
    }

    /// The port on the far side of a link leaving through p.
    static func opposite(_ p: Int) -> Int { p == 0 ? 0 : (p % 2 == 1 ? p + 1 : p - 1) }

    mutating func destination(of source: Int) -> Int {
        let nodes = routers
        return config.traffic.destination(of: source, nodes: nodes, k: config.k, n: config.n) {
            Int(rng.nextBelow(UInt64(nodes)))
        }
    }

    // MARK: Buffers

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

    // MARK: One cycle

    /// Advances the network by one cycle: deliveries, allocation in every busy router, then the sources.
    mutating func step(state: NoCStatistics.State) {
        let bucket = now % bucketCount
        for (node, f) in ejectBuckets[bucket] { stats.retire(f, at: node, now: now, state: state, packets: packets) }
        ejectBuckets[bucket].removeAll(keepingCapacity: true)
        for (slot, f) in arrivalBuckets[bucket] { push(Int(slot), f) }
        arrivalBuckets[bucket].removeAll(keepingCapacity: true)
        for entry in creditBuckets[bucket] { returnCredit(Int(entry)) }
        creditBuckets[bucket].removeAll(keepingCapacity: true)
        for r in 0..<routers where routerFlits[r] > 0 {
            vcAllocate(r)
            switchAllocate(r)
        }
        let perPacket = config.packetRate
        for node in 0..<routers {
            if perPacket > 0 && rng.nextUnit() < perPacket {
                let measured = state == .running
                packets.append(Packet(destination: Int32(destination(of: node)), created: Int32(now), measured: measured))
                sourceQueues[node].append(Int32(packets.count - 1))
                if measured { stats.measuredOutstanding += 1 }
                if sourceHead[node] == sourceQueues[node].count - 1 { stats.generated(packetFlits: config.packetFlits, created: now) }
            }
            if sourceHead[node] < sourceQueues[node].count { inject(node) }
        }
        now += 1
    }

    @inline(__always) mutating func returnCredit(_ entry: Int) {
        if entry >= 0 {
            credits[entry] += 1
            if tailSent[entry] && Int(credits[entry]) == depth {
                owned[entry] = false
                tailSent[entry] = false
            }
        } else {
            let s = -1 - entry
            sourceCredits[s] += 1
            if sourceTailSent[s] && Int(sourceCredits[s]) == depth {
                sourceOwned[s] = false
                sourceTailSent[s] = false
            }
        }
    }

    /// Sends the next flit of the node's oldest packet into its router (one flit per cycle), as BookSim's
    /// traffic manager does: a head takes the next VC, round robin, that is free and has a credit.
    mutating func inject(_ node: Int) {
        let pk = Int(sourceQueues[node][sourceHead[node]])
        let base = node * vcs
        var vc = Int(sourceVC[node])
        if vc < 0 {
            let last = Int(sourcePointer[node])
            for i in 1...vcs {
                let v = (last + i) % vcs
                if !sourceOwned[base + v] && sourceCredits[base + v] > 0 {
                    vc = v
                    break
                }
            }
            guard vc >= 0 else { return }
            sourceVC[node] = Int32(vc)
            sourcePointer[node] = Int32(vc)
            sourceOwned[base + vc] = true
        }
        guard sourceCredits[base + vc] > 0 else { return }
        sourceCredits[base + vc] -= 1
        let index = Int(packets[pk].flitsSent)
        if index == 0 { packets[pk].injected = Int32(now) }
        packets[pk].flitsSent += 1
        let tail = Int(packets[pk].flitsSent) == config.packetFlits
        let arrival = now + 2
        let ready = arrival + (index == 0 ? config.routingDelay : 0)
        arrivalBuckets[arrival % bucketCount].append(
            (Int32((node * ports) * vcs + vc), Flit(packet: Int32(pk), head: index == 0, tail: tail, ready: Int32(ready))))
        if tail {
            releaseOnTail(owned: &sourceOwned[base + vc], tailSent: &sourceTailSent[base + vc], credits: sourceCredits[base + vc])
            sourceVC[node] = -1
            sourceHead[node] += 1
            if sourceHead[node] < sourceQueues[node].count {
                stats.generated(packetFlits: config.packetFlits, created: Int(packets[Int(sourceQueues[node][sourceHead[node]])].created))
            }
            if sourceHead[node] > 4_096 && sourceHead[node] * 2 > sourceQueues[node].count {
                sourceQueues[node].removeFirst(sourceHead[node])
                sourceHead[node] = 0
            }
        }
    }

    /// After a tail flit is sent on a VC: free it now, or when its last credit returns.
    @inline(__always) func releaseOnTail(owned: inout Bool, tailSent: inout Bool, credits: Int16) {
        if !config.waitForTailCredit || Int(credits) == depth {
            owned = false
        } else {
            tailSent = true
        }
    }

    // MARK: Routing and VC allocation

    /// The output port for the head flit of packet pk at router r, updating its torus routing state.
    @inline(__always) mutating func route(_ r: Int, _ pk: Int) -> Int {
        let dst = Int(packets[pk].destination)
        guard wraps else { return geometry.meshPort(r, dst) }
        guard let d = geometry.firstDifferingDimension(r, dst) else { return 0 }
        if Int(packets[pk].dimension) != d {
            let entry = geometry.enterTorusDimension(r, dst, d) { rng.next() & 1 == 1 }
            packets[pk].dimension = Int8(d)
            packets[pk].plus = entry.plus
            packets[pk].partition = entry.partition
        }
        return 1 + 2 * d + (packets[pk].plus ? 0 : 1)
    }

    mutating func vcAllocate(_ r: Int) {
        let first = r * ports * vcs, total = ports * vcs
        let now32 = Int32(now)
        // Route every waiting head flit that is ready and list the waiting input VCs.
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
                if outPort[slot] < 0 { outPort[slot] = Int8(route(r, Int(f.packet))) }
                waitingScratch.append(slot - first)
            }
        }
        guard !waitingScratch.isEmpty else { return }
        // Separable iSLIP over (input VC, output VC), as BookSim's VC allocator: each free output VC grants
        // the first requester at or after its pointer, each input VC accepts the first grant at or after its
        // own; pointers move only on first-iteration accepts.
        for iteration in 0..<config.vcAllocIterations {
            var anyGrant = false
            for o in 0..<ports {
                if o != 0 && neighbours[r * ports + o] < 0 { continue }
                let outBase = (r * ports + o) * vcs
                for v in 0..<vcs {
                    vaGrant[o * vcs + v] = -1
                    guard !owned[outBase + v] else { continue }
                    let start = Int(vaPointer[outBase + v])
                    var pivot = waitingScratch.count
                    for (w, idx) in waitingScratch.enumerated() where idx >= start {
                        pivot = w
                        break
                    }
                    for k in 0..<waitingScratch.count {
                        let idx = waitingScratch[(pivot + k) % waitingScratch.count]
                        let slot = first + idx
                        guard outVC[slot] < 0, Int(outPort[slot]) == o else { continue }
                        let (lo, hi) = vcRange(slot, output: o)
                        guard v >= lo && v < hi else { continue }
                        vaGrant[o * vcs + v] = Int32(idx)
                        anyGrant = true
                        break
                    }
                }
            }
            guard anyGrant else { return }
            for idx in waitingScratch {
                let slot = first + idx
                guard outVC[slot] < 0 else { continue }
                let o = Int(outPort[slot])
                let start = Int(vaAcceptPointer[slot])
                for k in 0..<vcs {
                    let v = (start + k) % vcs
                    guard vaGrant[o * vcs + v] == Int32(idx) else { continue }
                    let outSlot = (r * ports + o) * vcs + v
                    owned[outSlot] = true
                    vaGrant[o * vcs + v] = -1
                    outVC[slot] = Int16(v)
                    vaCycle[slot] = now32
                    if iteration == 0 {
                        vaPointer[outSlot] = Int32((idx + 1) % total)
                        vaAcceptPointer[slot] = Int32((v + 1) % vcs)
                    }
                    break
                }
            }
        }
    }

    /// The output VCs a head in input slot may take on output o: all of them, or its torus class's half
    /// (BookSim splits them into two ranges of vcs / 2, which overlap when vcs is odd).
    @inline(__always) mutating func vcRange(_ slot: Int, output o: Int) -> (Int, Int) {
        guard wraps && o != 0 else { return (0, vcs) }
        let half = vcs / 2
        let f = flits[slot * depth + Int(bufferHead[slot])]
        return packets[Int(f.packet)].partition == 0 ? (0, vcs - half) : (half, vcs)
    }

    // MARK: Switch allocation and traversal

    @inline(__always) mutating func canSend(_ r: Int, _ slot: Int, _ now32: Int32) -> Bool {
        guard outVC[slot] >= 0, vaCycle[slot] + Int32(config.vcAllocDelay) <= now32, bufferCount[slot] > 0 else { return false }
        guard flits[slot * depth + Int(bufferHead[slot])].ready <= now32 else { return false }
        return credits[(r * ports + Int(outPort[slot])) * vcs + Int(outVC[slot])] > 0
    }

    /// iSLIP over (crossbar input, output port), then the flit moves on.
    mutating func switchAllocate(_ r: Int) {
        let now32 = Int32(now)
        let inputs = ports * speedup
        var any = false
        for x in 0..<inputs {
            request[x] = 0
            inMatched[x] = -1
        }
        for o in 0..<ports { outMatched[o] = -1 }
        for p in 0..<ports {
            let base = (r * ports + p) * vcs
            var bits = occupied[r * ports + p]
            while bits != 0 {
                let v = bits.trailingZeroBitCount
                bits &= bits - 1
                if canSend(r, base + v, now32) {
                    request[p * speedup + v % speedup] |= 1 << UInt32(outPort[base + v])
                    any = true
                }
            }
        }
        guard any else { return }
        for iteration in 0..<config.swAllocIterations {
            for o in 0..<ports {
                grants[o] = -1
                guard outMatched[o] < 0 else { continue }
                let start = Int(grantPointer[r * ports + o])
                for k in 0..<inputs {
                    let x = (start + k) % inputs
                    if inMatched[x] < 0 && request[x] & (1 << UInt32(o)) != 0 {
                        grants[o] = Int16(x)
                        break
                    }
                }
            }
            for x in 0..<inputs where inMatched[x] < 0 {
                let start = Int(acceptPointer[r * inputs + x])
                for k in 0..<ports {
                    let o = (start + k) % ports
                    if Int(grants[o]) == x {
                        inMatched[x] = Int8(o)
                        outMatched[o] = Int16(x)
                        if iteration == 0 {
                            grantPointer[r * ports + o] = Int32((x + 1) % inputs)
                            acceptPointer[r * inputs + x] = Int32((o + 1) % ports)
                        }
                        break
                    }
                }
            }
        }
        for x in 0..<inputs where inMatched[x] >= 0 {
            let i = x / speedup, sub = x % speedup
            let o = Int(inMatched[x])
            var chosen = -1
            let start = Int(vcPointer[r * inputs + x])
            for k in 0..<vcs {
                let v = (start + k) % vcs
                guard v % speedup == sub else { continue }
                let slot = (r * ports + i) * vcs + v
                if Int(outPort[slot]) == o && canSend(r, slot, now32) {
                    chosen = slot
                    vcPointer[r * inputs + x] = Int32((v + 1) % vcs)
                    break
                }
            }
            guard chosen >= 0 else { continue }
            traverse(r, from: chosen, input: i, output: o)
        }
    }

    /// Moves the front flit of input slot `chosen` through output o: credits back upstream, on to the next
    /// router or the sink, and the input VC re-armed after a tail.
    @inline(__always) mutating func traverse(_ r: Int, from chosen: Int, input i: Int, output o: Int) {
        let flit = pop(chosen)
        let pk = Int(flit.packet)
        if flit.head { packets[pk].hops += 1 }
        if i != 0 {
            let upstream = Int(neighbours[r * ports + i])
            let upSlot = (upstream * ports + NoCNetwork.opposite(i)) * vcs + chosen % vcs
            creditBuckets[(now + creditReturn) % bucketCount].append(Int32(upSlot))
        } else {
            let source = -1 - (r * vcs + chosen % vcs)
            creditBuckets[(now + injectionCreditReturn) % bucketCount].append(Int32(source))
        }
        let ov = Int(outVC[chosen])
        let outSlot = (r * ports + o) * vcs + ov
        credits[outSlot] -= 1
        if o != 0 {
            let next = Int(neighbours[r * ports + o])
            let inSlot = (next * ports + NoCNetwork.opposite(o)) * vcs + ov
            var moved = flit
            let arrival = now + hopDelay
            moved.ready = Int32(arrival + (flit.head ? config.routingDelay : 0))
            arrivalBuckets[arrival % bucketCount].append((Int32(inSlot), moved))
        } else {
            ejectBuckets[(now + ejectDelay) % bucketCount].append((Int32(r), flit))
            creditBuckets[(now + ejectionCreditReturn) % bucketCount].append(Int32(outSlot))
        }
        if flit.tail {
            releaseOnTail(owned: &owned[outSlot], tailSent: &tailSent[outSlot], credits: credits[outSlot])
            outVC[chosen] = -1
            outPort[chosen] = -1
            vaCycle[chosen] = -1
            // The next packet in this buffer redoes routing and VC allocation from the next cycle.
            if bufferCount[chosen] > 0 {
                let front = chosen * depth + Int(bufferHead[chosen])
                flits[front].ready = max(flits[front].ready, Int32(now + 1 + config.routingDelay))
            }
        }
    }
}
