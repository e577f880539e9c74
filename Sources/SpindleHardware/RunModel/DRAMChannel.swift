import SpindleCore
import SpindleEngine

/// A DRAM channel. Simple channels serve read streams first-come first-served at their bandwidth after a
/// fixed latency. JEDEC channels run every stream through a cycle-level controller (banks, row buffers,
/// timing, refresh), sending each packet when its last burst completes; the controller runs ahead to the
/// end of the current stream, so streams that arrive meanwhile queue behind it. Write-back packets are
/// absorbed, and the controller is told when a tile's write-back is complete. The controller also stages
/// package data through the channel (reads before a chip sends, writes after it receives); those share
/// the channel's time with the tiles' streams.
actor DRAMChannel: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let spec: DRAMChannelSpec
    private let router: ComponentID
    private let controller: ComponentID
    private let packetBytes: UInt64
    private let controlLatencyPs: Picoseconds
    private let catalogue: CounterCatalogue
    private var busyUntil: Picoseconds = 0
    private var busyPs: UInt64 = 0
    private var readBytes: UInt64 = 0
    private var writeBytes: UInt64 = 0
    private var jedec: DRAMController?
    /// Bytes read and written by step label.
    private var readBytesByLabel = LabelTally()
    private var writtenBytesByLabel = LabelTally()
    private var readCursor: UInt64 = 0
    private var writeCursor: UInt64 = 1 << 33
    private var streamTag = 0
    /// Bytes moved per bin, when the run records activity.
    private var bytesBins: ActivityBins?

    init(
        slot: ComponentSlot, spec: DRAMChannelSpec, router: ComponentID, controller: ComponentID, packetBytes: UInt64,
        controlLatencyPs: Picoseconds, catalogue: CounterCatalogue, activity: ActivityOptions? = nil
    ) {
        id = slot.id
        executor = slot.executor
        self.spec = spec
        self.router = router
        self.controller = controller
        self.packetBytes = packetBytes
        self.controlLatencyPs = controlLatencyPs
        self.catalogue = catalogue
        jedec = spec.jedec.map { DRAMController(config: $0.singleChannel) }
        bytesBins = activity.map { ActivityBins(binPs: $0.binPs) }
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.messageKind {
        case .readRequest:
            // a = destination endpoint, b = bytes, tag = purpose and label.
            readBytes += m.bytes
            readBytesByLabel.add(m.packetTag.label, m.bytes)
            let router = self.router
            let destination = m.destination
            let tag = m.packetTag
            serveRead(m.bytes, context) { at, size, last in
                context.send(to: router, after: at - context.now, .packet(to: destination, bytes: size, tag: tag.last(last), tile: m.c))
            }
        case .packet:
            // A write-back packet from a tile; c = the tile's id.
            writeBytes += m.bytes
            writtenBytesByLabel.add(m.packetTag.label, m.bytes)
            let done = absorbWrite(m.bytes, context)
            if m.packetTag.isLast {
                context.send(to: controller, after: done - context.now + controlLatencyPs, Message(.flowDone, a: m.c))
            }
        case .stageRead:
            // The controller reads package data out of DRAM: a = its staging id, b = bytes, tag = label.
            readBytes += m.bytes
            readBytesByLabel.add(m.packetTag.label, m.bytes)
            var done = context.now
            serveRead(m.bytes, context) { at, _, last in if last { done = at } }
            context.send(to: controller, after: done - context.now + controlLatencyPs, Message(.staged, a: m.a))
        case .stageWrite:
            // The controller writes package data into DRAM.
            writeBytes += m.bytes
            writtenBytesByLabel.add(m.packetTag.label, m.bytes)
            let done = absorbWrite(m.bytes, context)
            context.send(to: controller, after: done - context.now + controlLatencyPs, Message(.staged, a: m.a))
        default:
            preconditionFailure("DRAM channel got message kind \(m.kind)")
        }
    }

    /// Serves a read stream of `bytes`: calls `emit(arrival, size, last)` for each NoC packet, where
    /// `arrival` is when the packet can leave the channel (never before now).
    private func serveRead(_ bytes: UInt64, _ context: EventContext, emit: (Picoseconds, UInt64, Bool) -> Void) {
        if jedec != nil {
            jedecRead(bytes, &jedec!, context, emit: emit)
            return
        }
        var t = max(context.now, busyUntil)
        let first = t
        let latency = spec.latencyPs
        let bw = spec.bandwidthGBps
        forEachPacket(bytes, packetBytes) { _, size, last in
            t += Units.transferPs(bytes: size, gbPerSecond: bw)
            emit(t + latency, size, last)
        }
        busyUntil = t
        busyPs += t - first
        if bytesBins != nil { bytesBins!.spread(bytes, from: first, to: t) }
    }

    /// Takes `bytes` of writes; returns when the channel has accepted the last of them (never before now).
    private func absorbWrite(_ bytes: UInt64, _ context: EventContext) -> Picoseconds {
        if jedec != nil { return max(jedecWrite(bytes, &jedec!, context), context.now) }
        let serial = Units.transferPs(bytes: bytes, gbPerSecond: spec.bandwidthGBps)
        let start = max(context.now, busyUntil)
        busyUntil = start + serial
        busyPs += serial
        if bytesBins != nil { bytesBins!.spread(bytes, from: start, to: busyUntil) }
        return busyUntil
    }

    /// Brings the controller to the cycle of `now` (skipping idle time, or running queued work).
    private func sync(_ c: inout DRAMController, to now: Picoseconds) {
        let tck = c.config.tCKps
        let target = Int((now + tck - 1) / tck)
        guard c.now < target else { return }
        // Tick while there is work, then skip the idle rest in closed form.
        while c.now < target {
            if c.isIdle {
                c.advanceIdle(to: target)
                break
            }
            c.tick()
        }
    }

    private func jedecRead(_ total: UInt64, _ c: inout DRAMController, _ context: EventContext, emit: (Picoseconds, UInt64, Bool) -> Void) {
        sync(&c, to: context.now)
        let tck = c.config.tCKps
        let request = UInt64(c.config.requestBytes)
        let count = (total + request - 1) / request
        streamTag += 1
        let tag = streamTag
        var issued: UInt64 = 0, done: UInt64 = 0, sent: UInt64 = 0
        let start = c.now
        c.completedReads.removeAll(keepingCapacity: true)
        while sent < total {
            while issued < count && c.willAccept(isWrite: false) {
                c.add(address: readCursor, isWrite: false, tag: tag)
                readCursor &+= request
                issued += 1
            }
            c.tick()
            for (t, cycle) in c.completedReads where t == tag {
                done = min(total, done + request)
                while sent < total && (done - sent >= packetBytes || done == total) {
                    let size = min(packetBytes, total - sent)
                    sent += size
                    emit(max(UInt64(cycle) * tck, context.now), size, sent == total)
                }
            }
            c.completedReads.removeAll(keepingCapacity: true)
        }
        busyPs += UInt64(c.now - start) * tck
        if bytesBins != nil { bytesBins!.spread(total, from: UInt64(start) * tck, to: UInt64(c.now) * tck) }
    }

    /// Queues a write-back packet's requests; returns when the last one was accepted.
    private func jedecWrite(_ bytes: UInt64, _ c: inout DRAMController, _ context: EventContext) -> Picoseconds {
        sync(&c, to: context.now)
        let request = UInt64(c.config.requestBytes)
        var left = (bytes + request - 1) / request
        let start = c.now
        while left > 0 {
            if c.willAccept(isWrite: true) {
                c.add(address: writeCursor, isWrite: true)
                writeCursor &+= request
                left -= 1
            } else {
                c.tick()
            }
        }
        busyPs += UInt64(c.now - start) * c.config.tCKps
        if bytesBins != nil { bytesBins!.spread(bytes, from: UInt64(start) * c.config.tCKps, to: UInt64(c.now) * c.config.tCKps) }
        return UInt64(c.now) * c.config.tCKps
    }

    func finish() -> Counters {
        let k = catalogue
        var out = Counters([k.key(.dramBytesRead): readBytes, k.key(.dramBytesWritten): writeBytes, k.key(.dramBusyPs): busyPs])
        if var c = jedec {
            // Let queued writes drain so that their commands are counted.
            while !c.isIdle { c.tick() }
            let s = c.stats, n = c.config.name
            let counts: [(DRAMCommandAction, Int)] = [
                (.activate, s.activates), (.read, s.readCommands), (.write, s.writeCommands), (.refresh, s.refreshes),
                (.activeStandby, s.activeCycles), (.prechargeStandby, s.idleCycles),
            ]
            for (command, count) in counts { out[k.key(.action(.dram(config: n, command)))] = UInt64(count) }
            out[k.key(.dramRowHits)] = UInt64(s.readRowHits + s.writeRowHits)
        } else {
            out[k.key(.action(.dramReadBits))] = readBytes * 8
            out[k.key(.action(.dramWriteBits))] = writeBytes * 8
        }
        bytesBins?.emit(.dramBytes, into: &out, k)
        readBytesByLabel.emit(slot: k.slot(.dramBytesRead), into: &out, k)
        writtenBytesByLabel.emit(slot: k.slot(.dramBytesWritten), into: &out, k)
        if jedec == nil {
            readBytesByLabel.emit(slot: k.slot(.action(.dramReadBits)), into: &out, k, scale: 8)
            writtenBytesByLabel.emit(slot: k.slot(.action(.dramWriteBits)), into: &out, k, scale: 8)
        }
        return out
    }
}
