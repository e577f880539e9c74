import SpindleCore
import SpindleEngine

/// A compute tile: runs its jobs in order. For each, waits for its weights and inputs, computes (the tile
/// type's timing), and writes its outputs back to DRAM through the NoC.
///
/// The tile holds its own job list (read-only, from the schedule); the controller's job message says
/// which job to start. Counts go into fixed slots, for the whole run and per step label the tile's jobs
/// carry (numbered locally: `ResolvedJob.tileLabel`).
actor ComputeTile: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let type: TileType
    private let router: ComponentID
    private let linkBandwidthGBps: Double
    private let packetBytes: UInt64
    private let jobs: [ResolvedJob]
    private let catalogue: CounterCatalogue
    /// The step labels of the tile's jobs, indexed by `ResolvedJob.tileLabel`.
    private let labels: [Int]
    /// Catalogue slot of each local count (`Local`, then the type's storage actions); -1 where this tile
    /// type never counts it.
    private let slots: [Int]
    /// Local counts: `Local.count` plus the storage actions.
    private let localCount: Int
    // Current job.
    private var current = 0
    private var expectedBytes: UInt64 = 0
    private var receivedBytes: UInt64 = 0
    private var hasJob = false
    // Totals, and per label: `Local.count` counts per local label.
    private var totals: [UInt64]
    private var byLabel: [UInt64]
    private var totalMacs: UInt64 = 0
    private var busyPs: UInt64 = 0
    private var jobsDone: UInt64 = 0
    /// Busy time per bin, and each job's start and end, when the run records activity.
    private var busyBins: ActivityBins?
    private var jobTimes: [(start: Picoseconds, end: Picoseconds)]?

    /// The tile's counts, in local order: the work fields, then the rest.
    private enum Local {
        static let work = TileWork.Field.allCases
        static let fpMul = work.count, fpAdd = work.count + 1, bufferRead = work.count + 2, bufferWrite = work.count + 3
        static let programRounds = work.count + 4
        static let count = work.count + 5
    }

    init(
        slot: ComponentSlot, type: TileType, router: ComponentID, noc: NoCSpec, buffer: (read: Action, write: Action), jobs: [ResolvedJob],
        labels: [Int], catalogue: CounterCatalogue, activity: ActivityOptions? = nil, recordJobs: Bool = false
    ) {
        id = slot.id
        executor = slot.executor
        self.type = type
        self.router = router
        self.jobs = jobs
        self.labels = labels
        self.catalogue = catalogue
        linkBandwidthGBps = noc.linkBandwidthGBps
        packetBytes = noc.packetBytes
        localCount = Local.count + type.storageActions.count
        var s = [Int](repeating: -1, count: localCount)
        for (field, action) in type.workActions { s[Local.work.firstIndex(of: field)!] = catalogue.slot(.action(action)) }
        s[Local.fpMul] = catalogue.slot(.action(.fp32Mul))
        s[Local.fpAdd] = catalogue.slot(.action(.fp32Add))
        if type.countsBuffer {
            s[Local.bufferRead] = catalogue.slot(.action(buffer.read))
            s[Local.bufferWrite] = catalogue.slot(.action(buffer.write))
        }
        s[Local.programRounds] = catalogue.slot(.xbarProgramRounds)
        for (i, action) in type.storageActions.enumerated() { s[Local.count + i] = catalogue.slot(.action(action)) }
        slots = s
        totals = Array(repeating: 0, count: localCount)
        byLabel = Array(repeating: 0, count: localCount * labels.count)
        busyBins = activity.map { ActivityBins(binPs: $0.binPs) }
        jobTimes = activity != nil && recordJobs ? Array(repeating: (0, 0), count: jobs.count) : nil
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.messageKind {
        case .job:
            // a = index into this tile's job list.
            precondition(!hasJob, "tile \(id) got a job while busy")
            hasJob = true
            current = Int(m.a)
            let j = jobs[current]
            expectedBytes = j.weightBytes + j.inputBytes
            receivedBytes = 0
            startIfReady(context)
        case .packet:
            receivedBytes += m.bytes
            startIfReady(context)
        case .computeDone:
            let j = jobs[current]
            count(Local.bufferRead, j.outputBytes, label: j.tileLabel)
            let router = self.router
            let tileID = UInt64(id.raw)
            var t: Picoseconds = 0
            let bw = linkBandwidthGBps
            let tag = PacketTag(.outputs, label: j.label)
            forEachPacket(j.outputBytes, packetBytes) { _, size, last in
                t += Units.transferPs(bytes: size, gbPerSecond: bw)
                context.send(to: router, after: t, .packet(to: j.dram, bytes: size, tag: tag.last(last), tile: tileID))
            }
            hasJob = false
        default:
            preconditionFailure("tile got message kind \(m.kind)")
        }
    }

    @inline(__always)
    private func count(_ local: Int, _ n: UInt64, label: Int) {
        totals[local] &+= n
        byLabel[label * localCount + local] &+= n
    }

    private func startIfReady(_ context: EventContext) {
        guard hasJob, receivedBytes >= expectedBytes, expectedBytes != .max else { return }
        guard receivedBytes == expectedBytes else {
            preconditionFailure("tile \(id) received \(receivedBytes) bytes, expected \(expectedBytes)")
        }
        let j = jobs[current]
        let work = type.work(
            macs: j.macs, programWeights: j.programWeights, rebuildOps: j.rebuildOps, gemm: j.gemm, crossbarsUsed: j.crossbarsUsed,
            crossbarWeightBits: j.crossbarWeightBits, digital: j.digital, loopNest: j.loopNest)
        let l = j.tileLabel
        for (i, field) in Local.work.enumerated() where work[field] > 0 { count(i, work[field], label: l) }
        for (i, n) in work.storageAccesses.enumerated() where n > 0 { count(Local.count + i, n, label: l) }
        count(Local.fpMul, j.fpMuls, label: l)
        count(Local.fpAdd, j.fpAdds, label: l)
        count(Local.bufferWrite, receivedBytes, label: l)
        count(Local.bufferRead, receivedBytes + j.bufferRereadBytes, label: l)
        // Each programming round rewrites the cells of the layer's share once (endurance).
        if type.crossbar != nil && j.programRound { count(Local.programRounds, 1, label: l) }
        totalMacs += j.macs
        busyPs += work.durationPs
        jobsDone += 1
        if busyBins != nil {
            busyBins!.spread(work.durationPs, from: context.now, to: context.now + work.durationPs)
            if jobTimes != nil { jobTimes![current] = (context.now, context.now + work.durationPs) }
        }
        expectedBytes = .max  // consumed; wait for computeDone
        context.send(to: id, after: work.durationPs, Message(.computeDone))
    }

    func finish() -> Counters {
        let k = catalogue
        var c = Counters([k.key(.tileBusyPs): busyPs, k.key(.tileJobs): jobsDone, k.key(.tileMACs): totalMacs])
        busyBins?.emit(.tileBusyPs, into: &c, k)
        for (i, t) in (jobTimes ?? []).enumerated() where t.end > 0 {
            c[k.activityKey(.jobStart, index: i)] = t.start
            c[k.activityKey(.jobEnd, index: i)] = t.end
        }
        for i in 0..<localCount where slots[i] >= 0 {
            // Buffer accesses are reported once the tile ran a job, even when they moved no bytes.
            let buffer = i == Local.bufferRead || i == Local.bufferWrite
            guard totals[i] > 0 || (buffer && jobsDone > 0) else { continue }
            c[k.key(slot: slots[i])] = totals[i]
            for (local, label) in labels.enumerated() where byLabel[local * localCount + i] > 0 {
                c[k.key(slot: slots[i], label: label)] = byLabel[local * localCount + i]
            }
        }
        return c
    }
}
