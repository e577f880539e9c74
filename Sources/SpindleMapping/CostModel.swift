import SpindleCore
import SpindleHardware

/// The analytic cost model that ranks plans: each tile job is timed by its DRAM channel's transfer time
/// and its tile's compute time, each step by its slowest job; chips run their steps in order, package
/// transfers take serialisation plus hop latency, and a ring collective takes one chunk transfer per round.
/// Package data is staged through DRAM as the controllers do it (read before a send, written after a
/// receive; a ring reads one chunk, then reads and writes one per reducing round and writes one per
/// gathering round). Energy is the priced sum of every job's planned actions (DRAM, NoC hops, buffer,
/// compute), package bits and staging.
///
/// It ignores NoC contention, DRAM row effects and queueing; the engine measures those when it simulates
/// the chosen schedule.
struct CostModel {
    let topology: Topology
    let options: MappingOptions
    /// DRAM energy per byte read and written (JEDEC channels: read or write command plus half an activate
    /// per request, background left out).
    let dramReadPJ: Double, dramWritePJ: Double
    /// Per tile of the topology: the price of each counted work field (in the order of the actions' names,
    /// the order the energy is summed in), and of a byte of buffer access.
    let workPrices: [[(field: TileWork.Field, pj: Double)]]
    /// Per tile: the price of each storage action (loop-nest tiles), in the order of `TileWork.storageAccesses`.
    let storagePrices: [[Double]]
    let bufferPJ: [Double]
    let routerPJ: Double, linkPJ: Double, nopPJ: Double, fpMulPJ: Double, fpAddPJ: Double

    init(topology: Topology, options: MappingOptions) {
        self.topology = topology
        self.options = options
        let prices = PriceTable(topology: topology)
        (dramReadPJ, dramWritePJ) = Self.dramBytePJ(topology, prices)
        workPrices = topology.tiles.map { tile in tile.type.workActions.map { (field: $0.field, pj: prices.price($0.action) ?? 0) } }
        storagePrices = topology.tiles.map { $0.type.storageActions.map { prices.price($0) ?? 0 } }
        bufferPJ = topology.tiles.map {
            $0.type.countsBuffer ? prices.price(topology.technology.bufferActions(bankBytes: $0.type.bankBytes).read) ?? 0 : 0
        }
        routerPJ = prices.price(.nocRouterBits) ?? 0
        linkPJ = prices.price(.nocLinkBits) ?? 0
        nopPJ = prices.price(.nopLinkBits) ?? 0
        fpMulPJ = prices.price(.fp32Mul) ?? 0
        fpAddPJ = prices.price(.fp32Add) ?? 0
    }

    /// DRAM energy per byte read and written: a JEDEC channel's read or write command plus half an activate
    /// per request (background left out), or a simple channel's price per bit.
    static func dramBytePJ(_ topology: Topology, _ prices: PriceTable) -> (read: Double, write: Double) {
        guard let j = topology.dram.first?.jedec else {
            return ((prices.price(.dramReadBits) ?? 0) * 8, (prices.price(.dramWriteBits) ?? 0) * 8)
        }
        let b = Double(j.requestBytes)
        return ((j.energyPJ(.read) + 0.5 * j.energyPJ(.activate)) / b, (j.energyPJ(.write) + 0.5 * j.energyPJ(.activate)) / b)
    }

    struct Cost {
        var latencyPs: Picoseconds = 0
        var energyPJ = 0.0
        var byLayerPs: [String: Picoseconds] = [:]
        var byLayerPJ: [String: Double] = [:]
    }

    /// Time and energy of one step's jobs on one chip.
    func step(_ s: LayerStep) -> (ps: Picoseconds, pj: Double) {
        guard !s.jobs.isEmpty else { return (0, 0) }
        let t = topology
        var channel = [UInt64](repeating: 0, count: t.dram.count)
        var compute: Picoseconds = 0
        var pj = 0.0
        let router = routerPJ, link = linkPJ
        for j in s.jobs {
            let tile = t.tiles[j.tile]
            let moved = j.weightBytes + j.inputBytes + j.outputBytes
            channel[j.dramChannel] += moved
            let gemm = j.gemmWindow > 0 ? (j.gemmWindow, j.gemmFilters, j.gemmPixels) : nil
            let work = tile.type.work(
                macs: j.macs, programWeights: j.programWeights, rebuildOps: j.rebuildOps, gemm: gemm, crossbarsUsed: j.crossbarsUsed,
                crossbarWeightBits: j.crossbarWeightBits, digital: j.digital, loopNest: j.loopNest)
            compute = max(compute, work.durationPs)
            for (field, price) in workPrices[j.tile] where work[field] > 0 { pj += Double(work[field]) * price }
            for (n, price) in zip(work.storageAccesses, storagePrices[j.tile]) { pj += Double(n) * price }
            pj += Double(j.fpMuls) * fpMulPJ + Double(j.fpAdds) * fpAddPJ
            pj += Double(j.weightBytes + j.inputBytes) * dramReadPJ + Double(j.outputBytes) * dramWritePJ
            let hops = Double(t.dram[j.dramChannel].at.distance(to: tile.at))
            pj += Double(moved) * 8 * ((hops + 1) * router + hops * link)
            pj += Double(2 * (j.weightBytes + j.inputBytes) + j.outputBytes + j.bufferRereadBytes) * bufferPJ[j.tile]
        }
        let dram = t.dram.indices.map { Units.transferPs(bytes: channel[$0], gbPerSecond: t.dram[$0].bandwidthGBps) }.max() ?? 0
        return (2 * t.controlLatencyPs + (t.dram.first?.latencyPs ?? 0) + dram + compute, pj)
    }

    /// Time to read and/or write `bytes` of package data, split evenly over the chip's DRAM channels.
    func stagePs(_ bytes: UInt64, read: Bool, write: Bool) -> Picoseconds {
        let t = topology
        guard bytes > 0, !t.dram.isEmpty else { return 0 }
        let n = UInt64(t.dram.count)
        let perChannel = (bytes + n - 1) / n * ((read ? 1 : 0) + (write ? 1 : 0))
        let slowest = t.dram.map { Units.transferPs(bytes: perChannel, gbPerSecond: $0.bandwidthGBps) }.max()!
        return 2 * t.controlLatencyPs + (read ? t.dram.map(\.latencyPs).max()! : 0) + slowest
    }

    /// Evaluates a whole schedule: chips advance step by step; receives wait for their sends' arrival;
    /// an all-reduce starts when every member has reached it.
    func evaluate(_ schedule: Schedule) -> Cost {
        let t = topology
        let chips = schedule.chips.count
        var cost = Cost()
        var clock = [Picoseconds](repeating: 0, count: chips)
        var next = [Int](repeating: 0, count: chips)
        var port = [Picoseconds](repeating: 0, count: chips)
        var arrivals: [[UInt32: Picoseconds]] = Array(repeating: [:], count: chips)
        let nop = nopPJ
        // Replicas run the same jobs: price each job list once. The schedule builder hands every replica the
        // same array, so its storage identifies it: looking it up costs one pointer hash, not a hash of every
        // job (equal lists in distinct storage are merely priced twice). The schedule outlives this call, so no
        // address is reused while the memo lives.
        var memo: [UInt: (Picoseconds, Double)] = [:]
        var stepCost: [[(Picoseconds, Double)]] = []
        stepCost.reserveCapacity(chips)
        for steps in schedule.chips {
            var costs: [(Picoseconds, Double)] = []
            costs.reserveCapacity(steps.count)
            for s in steps {
                let key = s.jobs.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
                if let c = memo[key] {
                    costs.append(c)
                } else {
                    let c = step(s)
                    memo[key] = c
                    costs.append(c)
                }
            }
            stepCost.append(costs)
        }
        let staged = t.dram.isEmpty ? 0.0 : 1.0
        func send(_ from: Int, _ x: PackageTransfer, at time: Picoseconds) -> Picoseconds {
            let hops = t.package.hops(from, x.peer, chips: t.chips)
            let start = max(time + stagePs(x.bytes, read: true, write: false), port[from])
            let serial = Units.transferPs(bytes: x.bytes, gbPerSecond: t.package.linkBandwidthGBps)
            port[from] = start + serial
            cost.energyPJ += Double(x.bytes * 8 * UInt64(hops)) * nop
            cost.energyPJ += staged * Double(x.bytes) * (dramReadPJ + dramWritePJ)
            return start + serial + Picoseconds(hops) * t.package.linkLatencyPs + stagePs(x.bytes, read: false, write: true)
        }
        var progress = true
        while progress {
            progress = false
            for c in 0..<chips {
                while next[c] < schedule.chips[c].count {
                    let s = schedule.chips[c][next[c]]
                    guard s.receives.allSatisfy({ arrivals[c][$0.tag] != nil }) else { break }
                    var start = s.receives.reduce(clock[c]) { max($0, arrivals[c][$1.tag]!) }
                    if let ar = s.allReduce, ar.group.count > 1 {
                        // Everyone in the group must be at this all-reduce.
                        let ready = ar.group.allSatisfy { g in
                            next[g] < schedule.chips[g].count && schedule.chips[g][next[g]].allReduce?.tagBase == ar.tagBase
                                && schedule.chips[g][next[g]].receives.allSatisfy { arrivals[g][$0.tag] != nil }
                        }
                        guard ready else { break }
                        let begin = ar.group.map { g in clock[g] }.max()!
                        let chunk = Units.transferPs(bytes: ar.chunkBytes, gbPerSecond: t.package.linkBandwidthGBps)
                        let hops = (0..<ar.group.count).map {
                            t.package.hops(ar.group[$0], ar.group[($0 + 1) % ar.group.count], chips: t.chips)
                        }.max()!
                        let n = ar.group.count
                        let reducing = ar.reducingRounds
                        let chunks = ar.dramChunks
                        let end =
                            begin + Picoseconds(ar.rounds) * (chunk + Picoseconds(hops) * t.package.linkLatencyPs)
                            + stagePs(ar.chunkBytes, read: true, write: false) + Picoseconds(reducing)
                            * stagePs(ar.chunkBytes, read: true, write: true)
                            + Picoseconds(ar.rounds - reducing) * stagePs(ar.chunkBytes, read: false, write: true)
                        for (i, g) in ar.group.enumerated() {
                            let h = t.package.hops(g, ar.group[(i + 1) % n], chips: t.chips)
                            cost.energyPJ += Double(ar.chunkBytes * 8 * UInt64(h) * UInt64(ar.rounds)) * nop
                            cost.energyPJ += Double(ar.chunkBytes * 8 / UInt64(max(ar.elementBits, 1)) * UInt64(reducing)) * fpAddPJ
                            cost.energyPJ +=
                                staged * Double(ar.chunkBytes) * (Double(chunks.read) * dramReadPJ + Double(chunks.written) * dramWritePJ)
                            // The member's own jobs and sends follow the collective.
                            let (ps, pj) = stepCost[g][next[g]]
                            clock[g] = end + ps
                            cost.energyPJ += pj
                            for x in schedule.chips[g][next[g]].sends { arrivals[x.peer][x.tag] = send(g, x, at: clock[g]) }
                            next[g] += 1
                        }
                        let name = schedule.labels[s.label].layer
                        cost.byLayerPs[name, default: 0] += end - begin
                        progress = true
                        continue
                    }
                    let (ps, pj) = stepCost[c][next[c]]
                    start = max(start, clock[c])
                    clock[c] = start + ps
                    cost.energyPJ += pj
                    let name = schedule.labels[s.label].layer
                    if c == 0 || schedule.chips[0].isEmpty { cost.byLayerPs[name, default: 0] += ps }
                    cost.byLayerPJ[name, default: 0] += pj
                    for x in s.sends { arrivals[x.peer][x.tag] = send(c, x, at: clock[c]) }
                    next[c] += 1
                    progress = true
                }
            }
        }
        cost.latencyPs = clock.max() ?? 0
        return cost
    }
}
