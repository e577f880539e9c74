import SpindleCore
import SpindleEngine

/// One tile job with component ids resolved: the tile keeps the whole list, the controller uses the ids.
struct ResolvedJob: Sendable {
    var tile: ComponentID
    var dram: ComponentID
    /// Position of this job in its tile's job list.
    var index: Int
    var label: Int
    var weightBytes: UInt64
    var inputBytes: UInt64
    var outputBytes: UInt64
    var macs: UInt64
    var rebuildOps: UInt64
    var programWeights: UInt64
    var programRound: Bool
    var crossbarsUsed: Int
    var crossbarWeightBits: Int
    var digital: Bool
    var fpMuls: UInt64
    var fpAdds: UInt64
    var gemm: (window: Int, filters: Int, pixels: Int)?
}

/// One step as its controller runs it.
struct ResolvedStep: Sendable {
    var jobs: [ResolvedJob]
    var label: Int
    var receives: [PackageTransfer]
    var sends: [PackageTransfer]
    var allReduce: AllReduce?
}

/// How a chip's controller reaches the other chips.
struct PackagePorts: Sendable {
    var chip: Int
    var controllers: [ComponentID]
    var hops: [Int]
    var linkLatencyPs: Picoseconds
    var linkBandwidthGBps: Double
    /// The chip's DRAM channels: package data is staged through them, split evenly.
    var dram: [ComponentID]
}

/// A chip's controller: runs the chip's steps in order. A step waits for its package receives, runs its
/// ring collective (all-reduce, reduce-scatter or all-gather over the package links), issues its tile
/// jobs over control wires, and when every tile's outputs are back in DRAM starts its package sends and
/// moves on.
///
/// Package transfers leave through the chip's one package port one after another (serialised at the link
/// bandwidth) and arrive after one link latency per hop. Package data lives in DRAM: a send first reads
/// its bytes out of the chip's channels, and a receive counts once its bytes are written into the
/// receiver's channels. A ring collective reads the chip's first chunk; each reducing round reads the
/// local chunk and writes the sum, each gathering round writes the arriving chunk, and every round after
/// the first forwards what the previous one left in the controller's buffer.
actor ChipController: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let steps: [ResolvedStep]
    private let coordinator: ComponentID
    private let controlLatencyPs: Picoseconds
    private let packageLatencyPs: Picoseconds
    private let ports: PackagePorts
    private var step = 0
    private var outstanding = 0
    private var stepStart: Picoseconds = 0
    /// Time spent in steps of each label (receiving, reducing and running).
    private var labelTime: [Int: UInt64] = [:]
    /// Package transfers that arrived, by tag (count).
    private var arrived: [UInt32: Int] = [:]
    /// Where the current step is: waiting for receives, in all-reduce round n, or running jobs.
    private enum Stage { case receiving, reducing(round: Int), running }
    private var stage = Stage.receiving
    private var portFree: Picoseconds = 0
    private var labelNoPBits: [Int: UInt64] = [:]
    private var labelReduceAdds: [Int: UInt64] = [:]
    /// What to do when a staging (DRAM reads or writes for package data) completes.
    private enum AfterStaging { case send(PackageTransfer, label: Int, mode: UInt64), arrive(tag: UInt32) }
    /// Stagings in flight, by id: DRAM parts still outstanding and what follows.
    private var staging: [UInt64: (parts: Int, then: AfterStaging)] = [:]
    private var nextStaging: UInt64 = 0
    /// How a receiver stages an arriving transfer (`Message.c` bits 0-1; the label is in the bits above).
    private static let writeOnArrival: UInt64 = 1
    private static let readAndWriteOnArrival: UInt64 = 2

    init(slot: ComponentSlot, steps: [ResolvedStep], coordinator: ComponentID, controlLatencyPs: Picoseconds,
         packageLatencyPs: Picoseconds, ports: PackagePorts) {
        id = slot.id
        executor = slot.executor
        self.steps = steps
        self.coordinator = coordinator
        self.controlLatencyPs = controlLatencyPs
        self.packageLatencyPs = packageLatencyPs
        self.ports = ports
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.kind {
        case HW.start:
            step = 0
            begin(context)
        case HW.transfer:
            // a = bytes, c = staging mode | label << 2. The transfer counts once it is in DRAM.
            let read = m.c & 3 == Self.readAndWriteOnArrival
            stage(m.a, label: Int(m.c >> 2), read: read, write: true, then: .arrive(tag: m.tag), context)
        case HW.staged:
            guard var s = staging[m.a] else { preconditionFailure("controller got an unknown staging id \(m.a)") }
            s.parts -= 1
            if s.parts > 0 {
                staging[m.a] = s
            } else {
                staging[m.a] = nil
                finishStaging(s.then, context)
            }
        case HW.flowDone:
            outstanding -= 1
            if outstanding == 0 { complete(context) }
        default:
            preconditionFailure("controller got message kind \(m.kind)")
        }
    }

    /// Starts step `step` (or reports the chip finished).
    private func begin(_ context: EventContext) {
        guard step < steps.count else {
            context.send(to: coordinator, after: packageLatencyPs, Message(kind: HW.finished, a: UInt64(id.raw)))
            return
        }
        stepStart = context.now
        stage = .receiving
        advance(context)
    }

    private func take(_ tag: UInt32) -> Bool {
        guard let n = arrived[tag], n > 0 else { return false }
        arrived[tag] = n == 1 ? nil : n - 1
        return true
    }

    /// Moves the current step on as far as arrived transfers allow.
    private func advance(_ context: EventContext) {
        guard step < steps.count else { return }
        let s = steps[step]
        if case .receiving = stage {
            guard s.receives.allSatisfy({ (arrived[$0.tag] ?? 0) > 0 }) else { return }
            for r in s.receives { _ = take(r.tag) }
            if let ar = s.allReduce, ar.group.count > 1 {
                stage = .reducing(round: 0)
                sendRound(ar, 0, label: s.label, context)
            } else {
                run(context)
                return
            }
        }
        while case .reducing(let round) = stage, let ar = s.allReduce {
            guard take(ar.tagBase + UInt32(round)) else { return }
            // Reducing rounds add the arriving chunk to this chip's own.
            if ar.reduces(round: round) {
                labelReduceAdds[s.label, default: 0] += ar.chunkBytes * 8 / UInt64(max(ar.elementBits, 1))
            }
            if round + 1 < ar.rounds {
                stage = .reducing(round: round + 1)
                sendRound(ar, round + 1, label: s.label, context)
            } else {
                run(context)
                return
            }
        }
    }

    /// Sends round `round`'s chunk to the next chip of the ring: the first round reads it from DRAM, later
    /// rounds forward what the previous round left in the buffer.
    private func sendRound(_ ar: AllReduce, _ round: Int, label: Int, _ context: EventContext) {
        let me = ar.group.firstIndex(of: ports.chip)!
        let next = ar.group[(me + 1) % ar.group.count]
        let t = PackageTransfer(peer: next, bytes: ar.chunkBytes, tag: ar.tagBase + UInt32(round))
        // Reducing rounds add the arriving chunk to the receiver's own; gathering rounds store it.
        let mode = ar.reduces(round: round) ? Self.readAndWriteOnArrival : Self.writeOnArrival
        if round == 0 {
            stage(t.bytes, label: label, read: true, write: false, then: .send(t, label: label, mode: mode), context)
        } else {
            send(t, label: label, mode: mode, context)
        }
    }

    /// Reads or writes `bytes` of package data, split evenly over the chip's DRAM channels, then carries on.
    private func stage(_ bytes: UInt64, label: Int, read: Bool, write: Bool, then: AfterStaging, _ context: EventContext) {
        let n = UInt64(ports.dram.count)
        var parts = 0
        let id = nextStaging
        if n > 0 && bytes > 0 {
            for (i, channel) in ports.dram.enumerated() {
                let part = bytes / n + (UInt64(i) < bytes % n ? 1 : 0)
                guard part > 0 else { continue }
                let tag = HW.tag(HW.packageData, label: label)
                if read {
                    context.send(to: channel, after: controlLatencyPs, Message(kind: HW.stageRead, tag: tag, a: id, b: part))
                    parts += 1
                }
                if write {
                    context.send(to: channel, after: controlLatencyPs, Message(kind: HW.stageWrite, tag: tag, a: id, b: part))
                    parts += 1
                }
            }
        }
        guard parts > 0 else {
            finishStaging(then, context)
            return
        }
        nextStaging += 1
        staging[id] = (parts, then)
    }

    private func finishStaging(_ then: AfterStaging, _ context: EventContext) {
        switch then {
        case .send(let t, let label, let mode):
            send(t, label: label, mode: mode, context)
        case .arrive(let tag):
            arrived[tag, default: 0] += 1
            advance(context)
        }
    }

    private func send(_ t: PackageTransfer, label: Int, mode: UInt64, _ context: EventContext) {
        let hops = ports.hops[t.peer]
        let start = max(context.now, portFree)
        let serial = Units.transferPs(bytes: t.bytes, gbPerSecond: ports.linkBandwidthGBps)
        portFree = start + serial
        labelNoPBits[label, default: 0] += t.bytes * 8 * UInt64(hops)
        let arrival = start + serial + Picoseconds(hops) * ports.linkLatencyPs
        context.send(
            to: ports.controllers[t.peer], after: arrival - context.now,
            Message(kind: HW.transfer, tag: t.tag, a: t.bytes, c: mode | UInt64(label) << 2))
    }

    private func run(_ context: EventContext) {
        stage = .running
        let s = steps[step]
        outstanding = s.jobs.count
        for j in s.jobs {
            precondition(j.outputBytes > 0, "a tile job must write outputs")
            context.send(to: j.tile, after: controlLatencyPs, Message(kind: HW.job, a: UInt64(j.index)))
            if j.weightBytes > 0 {
                context.send(
                    to: j.dram, after: controlLatencyPs,
                    Message(kind: HW.readRequest, tag: HW.tag(HW.weights, label: j.label), a: UInt64(j.tile.raw), b: j.weightBytes))
            }
            if j.inputBytes > 0 {
                context.send(
                    to: j.dram, after: controlLatencyPs,
                    Message(kind: HW.readRequest, tag: HW.tag(HW.inputs, label: j.label), a: UInt64(j.tile.raw), b: j.inputBytes))
            }
        }
        if s.jobs.isEmpty { complete(context) }
    }

    private func complete(_ context: EventContext) {
        let s = steps[step]
        for t in s.sends {
            stage(t.bytes, label: s.label, read: true, write: false, then: .send(t, label: s.label, mode: Self.writeOnArrival), context)
        }
        labelTime[s.label, default: 0] += context.now - stepStart
        step += 1
        begin(context)
    }

    func finish() -> Counters {
        var c = Counters()
        for (l, t) in labelTime { c[LabelledCounter.key(l, "step_ps")] = t }
        for (l, bits) in labelNoPBits {
            c.add("nop.link.bits", bits)
            c[LabelledCounter.key(l, "nop.link.bits")] = bits
        }
        for (l, adds) in labelReduceAdds {
            c.add("fp32.add", adds)
            c[LabelledCounter.key(l, "fp32.add")] = adds
        }
        c["run.steps_done"] = UInt64(step)
        return c
    }
}

/// Starts every chip over the package links and records when the last one finishes.
actor PackageCoordinator: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let controllers: [ComponentID]
    private let delaysPs: [Picoseconds]
    private let hops: [Int]
    private var finished = 0
    private var endPs: Picoseconds = 0
    private var linkBits: UInt64 = 0

    /// Bits one control message occupies on a package link.
    static let controlMessageBits: UInt64 = 64

    init(slot: ComponentSlot, controllers: [ComponentID], delaysPs: [Picoseconds], hops: [Int]) {
        id = slot.id
        executor = slot.executor
        self.controllers = controllers
        self.delaysPs = delaysPs
        self.hops = hops
    }

    func handle(_ event: Event, _ context: EventContext) {
        switch event.message.kind {
        case HW.start:
            for (i, c) in controllers.enumerated() {
                context.send(to: c, after: delaysPs[i], Message(kind: HW.start))
                linkBits += Self.controlMessageBits * UInt64(hops[i])
            }
        case HW.finished:
            let chip = controllers.firstIndex(of: ComponentID(UInt32(event.message.a)))!
            linkBits += Self.controlMessageBits * UInt64(hops[chip])
            finished += 1
            if finished == controllers.count { endPs = context.now }
        default:
            preconditionFailure("coordinator got message kind \(event.message.kind)")
        }
    }

    func finish() -> Counters {
        Counters(["nop.link.bits": linkBits, "run.end_ps": endPs, "run.chips_finished": UInt64(finished)])
    }
}
