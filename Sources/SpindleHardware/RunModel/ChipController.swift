import SpindleCore
import SpindleEngine

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
    private let catalogue: CounterCatalogue
    private var step = 0
    private var outstanding = 0
    private var stepStart: Picoseconds = 0
    /// Time spent in steps of each label (receiving, reducing and running).
    private var stepTime = LabelTally()
    /// Package transfers that arrived, by tag (count).
    private var arrived: [UInt32: Int] = [:]
    /// Where the current step is: waiting for receives, in all-reduce round n, or running jobs.
    private enum Stage {
        case receiving
        case reducing(round: Int)
        case running
    }
    private var stage = Stage.receiving
    private var portFree: Picoseconds = 0
    /// Package link bits sent, and additions of reducing rounds, by label.
    private var packageBits = LabelTally()
    private var reduceAdds = LabelTally()
    /// What to do when a staging (DRAM reads or writes for package data) completes.
    private enum AfterStaging {
        case send(PackageTransfer, ArrivalStaging)
        case arrive(tag: UInt32)
    }
    /// Stagings in flight, by id: DRAM parts still outstanding and what follows.
    private var staging: [UInt64: (parts: Int, then: AfterStaging)] = [:]
    private var nextStaging: UInt64 = 0
    /// Package bytes per bin, and each step's begin, run and end times, when the run records activity.
    private var packageBins: ActivityBins?
    private var stepTimes: [(begin: Picoseconds, run: Picoseconds, end: Picoseconds)]?

    init(
        slot: ComponentSlot, steps: [ResolvedStep], coordinator: ComponentID, controlLatencyPs: Picoseconds,
        packageLatencyPs: Picoseconds, ports: PackagePorts, catalogue: CounterCatalogue, activity: ActivityOptions? = nil
    ) {
        id = slot.id
        executor = slot.executor
        self.steps = steps
        self.coordinator = coordinator
        self.controlLatencyPs = controlLatencyPs
        self.packageLatencyPs = packageLatencyPs
        self.ports = ports
        self.catalogue = catalogue
        packageBins = activity.map { ActivityBins(binPs: $0.binPs) }
        stepTimes = activity.map { _ in Array(repeating: (0, 0, 0), count: steps.count) }
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.messageKind {
        case .start:
            step = 0
            begin(context)
        case .transfer:
            // a = bytes, c = how to stage it. The transfer counts once it is in DRAM.
            let arrival = ArrivalStaging(raw: m.c)
            stage(m.a, label: arrival.label, read: arrival.mode == .readAndWrite, write: true, then: .arrive(tag: m.tag), context)
        case .staged:
            guard var s = staging[m.a] else { preconditionFailure("controller got an unknown staging id \(m.a)") }
            s.parts -= 1
            if s.parts > 0 {
                staging[m.a] = s
            } else {
                staging[m.a] = nil
                finishStaging(s.then, context)
            }
        case .flowDone:
            outstanding -= 1
            if outstanding == 0 { complete(context) }
        default:
            preconditionFailure("controller got message kind \(m.kind)")
        }
    }

    /// Starts step `step` (or reports the chip finished).
    private func begin(_ context: EventContext) {
        guard step < steps.count else {
            context.send(to: coordinator, after: packageLatencyPs, Message(.finished, a: UInt64(id.raw)))
            return
        }
        stepStart = context.now
        if stepTimes != nil { stepTimes![step].begin = context.now }
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
                reduceAdds.add(s.label, ar.chunkBytes * 8 / UInt64(max(ar.elementBits, 1)))
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
        let arrival = ArrivalStaging(ar.reduces(round: round) ? .readAndWrite : .write, label: label)
        if round == 0 {
            stage(t.bytes, label: label, read: true, write: false, then: .send(t, arrival), context)
        } else {
            send(t, arrival, context)
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
                let tag = PacketTag(.packageData, label: label).raw
                if read {
                    context.send(to: channel, after: controlLatencyPs, Message(.stageRead, tag: tag, a: id, b: part))
                    parts += 1
                }
                if write {
                    context.send(to: channel, after: controlLatencyPs, Message(.stageWrite, tag: tag, a: id, b: part))
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
        case .send(let t, let arrival):
            send(t, arrival, context)
        case .arrive(let tag):
            arrived[tag, default: 0] += 1
            advance(context)
        }
    }

    private func send(_ t: PackageTransfer, _ arrival: ArrivalStaging, _ context: EventContext) {
        let hops = ports.hops[t.peer]
        let start = max(context.now, portFree)
        let serial = Units.transferPs(bytes: t.bytes, gbPerSecond: ports.linkBandwidthGBps)
        portFree = start + serial
        packageBits.add(arrival.label, t.bytes * 8 * UInt64(hops))
        if packageBins != nil { packageBins!.spread(t.bytes, from: start, to: start + serial) }
        let arrivalPs = start + serial + Picoseconds(hops) * ports.linkLatencyPs
        context.send(
            to: ports.controllers[t.peer], after: arrivalPs - context.now,
            Message(.transfer, tag: t.tag, a: t.bytes, c: arrival.raw))
    }

    private func run(_ context: EventContext) {
        stage = .running
        if stepTimes != nil { stepTimes![step].run = context.now }
        let s = steps[step]
        outstanding = s.jobs.count
        for j in s.jobs {
            precondition(j.outputBytes > 0, "a tile job must write outputs")
            context.send(to: j.tile, after: controlLatencyPs, Message(.job, a: UInt64(j.index)))
            if j.weightBytes > 0 {
                context.send(
                    to: j.dram, after: controlLatencyPs,
                    Message(.readRequest, tag: PacketTag(.weights, label: j.label).raw, a: UInt64(j.tile.raw), b: j.weightBytes))
            }
            if j.inputBytes > 0 {
                context.send(
                    to: j.dram, after: controlLatencyPs,
                    Message(.readRequest, tag: PacketTag(.inputs, label: j.label).raw, a: UInt64(j.tile.raw), b: j.inputBytes))
            }
        }
        if s.jobs.isEmpty { complete(context) }
    }

    private func complete(_ context: EventContext) {
        let s = steps[step]
        for t in s.sends {
            stage(t.bytes, label: s.label, read: true, write: false, then: .send(t, ArrivalStaging(.write, label: s.label)), context)
        }
        stepTime.add(s.label, context.now - stepStart)
        if stepTimes != nil { stepTimes![step].end = context.now }
        step += 1
        begin(context)
    }

    func finish() -> Counters {
        let k = catalogue
        var c = Counters([k.key(.stepsDone): UInt64(step)])
        stepTime.emit(slot: k.slot(.stepPs), into: &c, k)
        packageBins?.emit(.packageBytes, into: &c, k)
        for (i, t) in (stepTimes ?? []).enumerated() where i < step {
            c[k.activityKey(.stepBegin, index: i)] = t.begin
            c[k.activityKey(.stepRun, index: i)] = t.run
            c[k.activityKey(.stepEnd, index: i)] = t.end
        }
        if packageBits.touched {
            c[k.key(.action(.nopLinkBits))] = packageBits.total
            packageBits.emit(slot: k.slot(.action(.nopLinkBits)), into: &c, k)
        }
        if reduceAdds.touched {
            c[k.key(.action(.fp32Add))] = reduceAdds.total
            reduceAdds.emit(slot: k.slot(.action(.fp32Add)), into: &c, k)
        }
        return c
    }
}
