import SpindleCore
import SpindleEngine

/// Mesh coordinates of every NoC endpoint and router, shared read-only by all components.
final class NoCMap: Sendable {
    /// `x << 16 | y` of each component's mesh node, indexed by `ComponentID.raw`.
    let position: [UInt32]
    init(position: [UInt32]) { self.position = position }
    func xy(_ id: ComponentID) -> (Int, Int) {
        let p = position[Int(id.raw)]
        return (Int(p >> 16), Int(p & 0xFFFF))
    }
}

/// Splits `bytes` into packets of at most `packetBytes` and calls `body(index, size, isLast)`.
func forEachPacket(_ bytes: UInt64, _ packetBytes: UInt64, _ body: (UInt64, UInt64, Bool) -> Void) {
    guard bytes > 0 else { return }
    let n = (bytes + packetBytes - 1) / packetBytes
    for i in 0..<n {
        let size = i == n - 1 ? bytes - packetBytes * (n - 1) : packetBytes
        body(i, size, i == n - 1)
    }
}

/// A mesh router: dimension-order (XY) routing, a pipeline latency per hop, and one output link per
/// direction whose occupancy serialises packets (virtual cut-through on whole packets).
///
/// Input buffers are unlimited unless the NoC sets `inputBufferPackets`; then a packet leaves only when
/// the next router's input buffer has room (credit flow control: a credit returns over the link when a
/// packet leaves that buffer), and packets wait in order for their output's credits.
actor Router: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    let x: Int, y: Int
    /// Neighbour routers: +x, -x, +y, -y (nil at the mesh edge).
    var neighbours: [ComponentID?] = [nil, nil, nil, nil]
    private let map: NoCMap
    private let spec: NoCSpec
    /// When each output port (0 local, 1 +x, 2 -x, 3 +y, 4 -y) is next free.
    private var portFree: [Picoseconds] = [0, 0, 0, 0, 0]
    /// Free packet slots in the next router's input buffer, per output port (finite buffers only).
    private var credits: [Int]
    /// Packets ready to leave but waiting for a credit, per output port, oldest first.
    private var waiting: [[Message]] = [[], [], [], [], []]
    private var routedBits: UInt64 = 0
    private var linkBits: UInt64 = 0
    /// Routed and link bits by step label.
    private var labelRouted = LabelTally()
    private var labelLink = LabelTally()
    private var flits: UInt64 = 0
    private var packets: UInt64 = 0
    private var creditStalls: UInt64 = 0

    init(slot: ComponentSlot, x: Int, y: Int, map: NoCMap, spec: NoCSpec, neighbours: [ComponentID?]) {
        id = slot.id
        executor = slot.executor
        self.x = x
        self.y = y
        self.map = map
        self.spec = spec
        self.neighbours = neighbours
        credits = Array(repeating: spec.inputBufferPackets ?? 0, count: 5)
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.kind {
        case HW.credit:
            let port = Int(m.a)
            credits[port] += 1
            if !waiting[port].isEmpty {
                credits[port] -= 1
                depart(waiting[port].removeFirst(), port: port, context)
            }
        case HW.routeReady:
            // Finite buffers: the packet has passed the router pipeline; it leaves when its output has a credit.
            let port = Int(m.tag >> 16 & 0xF)
            if port == 0 || credits[port] > 0 {
                if port != 0 { credits[port] -= 1 }
                depart(m, port: port, context)
            } else {
                waiting[port].append(m)
                creditStalls += 1
            }
        default:
            let port = outputPort(ComponentID(UInt32(truncatingIfNeeded: m.a)))
            routedBits += m.b * 8
            labelRouted.add(HW.label(m.tag), m.b * 8)
            flits += (m.b + spec.flitBytes - 1) / spec.flitBytes
            packets += 1
            if spec.inputBufferPackets == nil {
                depart(m, port: port, at: context.now + spec.routerLatencyPs, context)
            } else {
                // Carry the output and input ports through the pipeline in the tag's upper bits.
                let inPort = neighbours.firstIndex(of: event.source).map { $0 + 1 } ?? 0
                var ready = m
                ready.kind = HW.routeReady
                ready.tag = m.tag & 0xFFFF | UInt32(port) << 16 | UInt32(inPort) << 20
                context.send(to: id, after: spec.routerLatencyPs, ready)
            }
        }
    }

    private func outputPort(_ dst: ComponentID) -> Int {
        let (dx, dy) = map.xy(dst)
        if spec.shape == .mesh {
            if dx > x { return 1 } else if dx < x { return 2 } else if dy > y { return 3 } else if dy < y { return 4 }
            return 0
        }
        // Wrap-around links: go the shorter way round in each dimension (ties go +).
        let w = spec.width, h = spec.height
        if dx != x {
            let forward = (dx - x + w) % w
            return forward <= w - forward ? 1 : 2
        }
        if dy != y {
            let forward = (dy - y + h) % h
            return forward <= h - forward ? 3 : 4
        }
        return 0
    }

    /// Sends the packet out of `port` when the link is free (no earlier than `at`, default now); with
    /// finite buffers, returns a credit to the router it came from as it leaves this router's buffer.
    private func depart(_ m: Message, port: Int, at earliest: Picoseconds? = nil, _ context: EventContext) {
        let now = context.now
        let start = max(earliest ?? now, portFree[port])
        let serial = Units.transferPs(bytes: m.b, gbPerSecond: spec.linkBandwidthGBps)
        portFree[port] = start + serial
        let packet = Message(kind: HW.packet, tag: m.tag & 0xFFFF, a: m.a, b: m.b, c: m.c)
        if port == 0 {
            context.send(to: ComponentID(UInt32(truncatingIfNeeded: m.a)), after: start + serial - now, packet)
        } else {
            linkBits += m.b * 8
            labelLink.add(HW.label(m.tag), m.b * 8)
            context.send(to: neighbours[port - 1]!, after: start + serial + spec.linkLatencyPs - now, packet)
        }
        if spec.inputBufferPackets != nil {
            let inPort = Int(m.tag >> 20 & 0xF)
            if inPort != 0, let upstream = neighbours[inPort - 1] {
                // The upstream router's port towards us is the opposite direction of our input port.
                let upstreamPort = inPort % 2 == 1 ? inPort + 1 : inPort - 1
                context.send(to: upstream, after: start - now + spec.linkLatencyPs, Message(kind: HW.credit, a: UInt64(upstreamPort)))
            }
        }
    }

    func finish() -> Counters {
        var c = Counters([
            "noc.router.bits": routedBits, "noc.link.bits": linkBits, "noc.flits": flits, "noc.packets": packets,
            "noc.credit_stalls": creditStalls,
        ])
        labelRouted.emit("noc.router.bits", into: &c)
        labelLink.emit("noc.link.bits", into: &c)
        return c
    }
}

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
    private var busyUntil: Picoseconds = 0
    private var busyPs: UInt64 = 0
    private var readBytes: UInt64 = 0
    private var writeBytes: UInt64 = 0
    private var jedec: DRAMController?
    /// Bytes read and written by step label.
    private var labelRead = LabelTally()
    private var labelWritten = LabelTally()
    private var readCursor: UInt64 = 0
    private var writeCursor: UInt64 = 1 << 33
    private var streamTag = 0

    init(slot: ComponentSlot, spec: DRAMChannelSpec, router: ComponentID, controller: ComponentID, packetBytes: UInt64,
         controlLatencyPs: Picoseconds) {
        id = slot.id
        executor = slot.executor
        self.spec = spec
        self.router = router
        self.controller = controller
        self.packetBytes = packetBytes
        self.controlLatencyPs = controlLatencyPs
        jedec = spec.jedec.map { DRAMController(config: $0) }
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.kind {
        case HW.readRequest:
            // a = destination endpoint, b = bytes, tag = purpose and label.
            readBytes += m.b
            labelRead.add(HW.label(m.tag), m.b)
            let router = self.router
            serveRead(m.b, context) { at, size, last in
                let tag = m.tag | (last ? HW.lastFlag : 0)
                context.send(to: router, after: at - context.now, Message(kind: HW.packet, tag: tag, a: m.a, b: size, c: m.c))
            }
        case HW.packet:
            // A write-back packet from a tile; c = the tile's id.
            writeBytes += m.b
            labelWritten.add(HW.label(m.tag), m.b)
            let done = absorbWrite(m.b, context)
            if m.tag & HW.lastFlag != 0 {
                context.send(to: controller, after: done - context.now + controlLatencyPs, Message(kind: HW.flowDone, a: m.c))
            }
        case HW.stageRead:
            // The controller reads package data out of DRAM: a = its staging id, b = bytes, tag = label.
            readBytes += m.b
            labelRead.add(HW.label(m.tag), m.b)
            var done = context.now
            serveRead(m.b, context) { at, _, last in if last { done = at } }
            context.send(to: controller, after: done - context.now + controlLatencyPs, Message(kind: HW.staged, a: m.a))
        case HW.stageWrite:
            // The controller writes package data into DRAM.
            writeBytes += m.b
            labelWritten.add(HW.label(m.tag), m.b)
            let done = absorbWrite(m.b, context)
            context.send(to: controller, after: done - context.now + controlLatencyPs, Message(kind: HW.staged, a: m.a))
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
    }

    /// Takes `bytes` of writes; returns when the channel has accepted the last of them (never before now).
    private func absorbWrite(_ bytes: UInt64, _ context: EventContext) -> Picoseconds {
        if jedec != nil { return max(jedecWrite(bytes, &jedec!, context), context.now) }
        let serial = Units.transferPs(bytes: bytes, gbPerSecond: spec.bandwidthGBps)
        let start = max(context.now, busyUntil)
        busyUntil = start + serial
        busyPs += serial
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
        return UInt64(c.now) * c.config.tCKps
    }

    func finish() -> Counters {
        var out = Counters(["dram.bytes.read": readBytes, "dram.bytes.written": writeBytes, "dram.busy_ps": busyPs])
        if var c = jedec {
            // Let queued writes drain so that their commands are counted.
            while !c.isIdle { c.tick() }
            let s = c.stats, n = c.config.name
            out["dram.\(n).act"] = UInt64(s.activates)
            out["dram.\(n).read"] = UInt64(s.readCommands)
            out["dram.\(n).write"] = UInt64(s.writeCommands)
            out["dram.\(n).ref"] = UInt64(s.refreshes)
            out["dram.\(n).active_standby_cycle"] = UInt64(s.activeCycles)
            out["dram.\(n).precharge_standby_cycle"] = UInt64(s.idleCycles)
            out["dram.row_hits"] = UInt64(s.readRowHits + s.writeRowHits)
        } else {
            out["dram.read.bits"] = readBytes * 8
            out["dram.write.bits"] = writeBytes * 8
        }
        labelRead.emit("dram.bytes.read", into: &out)
        labelWritten.emit("dram.bytes.written", into: &out)
        if jedec == nil {
            labelRead.emit("dram.read.bits", into: &out, scale: 8)
            labelWritten.emit("dram.write.bits", into: &out, scale: 8)
        }
        return out
    }
}

/// A compute tile: runs its jobs in order. For each, waits for its weights and inputs, computes (the tile
/// type's timing), and writes its outputs back to DRAM through the NoC.
///
/// The tile holds its own job list (read-only, from the schedule); the controller's job message says
/// which job to start and which DRAM channel serves it.
actor ComputeTile: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let type: TileType
    private let router: ComponentID
    private let linkBandwidthGBps: Double
    private let packetBytes: UInt64
    private let jobs: [ResolvedJob]
    private let bufferAction: String
    // Current job.
    private var current = 0
    private var expectedBytes: UInt64 = 0
    private var receivedBytes: UInt64 = 0
    private var hasJob = false
    // Totals.
    private var totalMacs: UInt64 = 0
    private var actions = Counters()
    private var labelled: [Int: Counters] = [:]
    private var busyPs: UInt64 = 0
    private var jobsDone: UInt64 = 0

    init(slot: ComponentSlot, type: TileType, router: ComponentID, noc: NoCSpec, bufferAction: String, jobs: [ResolvedJob]) {
        id = slot.id
        executor = slot.executor
        self.type = type
        self.bufferAction = bufferAction
        self.router = router
        self.jobs = jobs
        linkBandwidthGBps = noc.linkBandwidthGBps
        packetBytes = noc.packetBytes
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.kind {
        case HW.job:
            // a = index into this tile's job list.
            precondition(!hasJob, "tile \(id) got a job while busy")
            hasJob = true
            current = Int(m.a)
            let j = jobs[current]
            expectedBytes = j.weightBytes + j.inputBytes
            receivedBytes = 0
            startIfReady(context)
        case HW.packet:
            receivedBytes += m.b
            startIfReady(context)
        case HW.computeDone:
            let j = jobs[current]
            actions.add(bufferAction + ".read.bytes", j.outputBytes)
            labelled[j.label, default: Counters()].add(bufferAction + ".read.bytes", j.outputBytes)
            let router = self.router
            let tileID = UInt64(id.raw)
            let dst = UInt64(j.dram.raw)
            var t: Picoseconds = 0
            let bw = linkBandwidthGBps
            let tag = HW.tag(HW.outputs, label: j.label)
            forEachPacket(j.outputBytes, packetBytes) { _, size, last in
                t += Units.transferPs(bytes: size, gbPerSecond: bw)
                context.send(to: router, after: t, Message(kind: HW.packet, tag: tag | (last ? HW.lastFlag : 0), a: dst, b: size, c: tileID))
            }
            hasJob = false
        default:
            preconditionFailure("tile got message kind \(m.kind)")
        }
    }

    private func startIfReady(_ context: EventContext) {
        guard hasJob, receivedBytes >= expectedBytes, expectedBytes != .max else { return }
        guard receivedBytes == expectedBytes else {
            preconditionFailure("tile \(id) received \(receivedBytes) bytes, expected \(expectedBytes)")
        }
        let j = jobs[current]
        let (duration, counts) = type.work(
            macs: j.macs, programWeights: j.programWeights, rebuildOps: j.rebuildOps, gemm: j.gemm, crossbarsUsed: j.crossbarsUsed,
            crossbarWeightBits: j.crossbarWeightBits, digital: j.digital)
        var here = Counters(counts)
        if j.fpMuls > 0 { here.add("fp32.mul", j.fpMuls) }
        if j.fpAdds > 0 { here.add("fp32.add", j.fpAdds) }
        here.add(bufferAction + ".write.bytes", receivedBytes)
        here.add(bufferAction + ".read.bytes", receivedBytes)
        // Each programming round rewrites the cells of the layer's share once (endurance).
        if type.crossbar != nil && j.programRound { here.add("xbar.program_rounds", 1) }
        actions.merge(here)
        labelled[j.label, default: Counters()].merge(here)
        totalMacs += j.macs
        busyPs += duration
        jobsDone += 1
        expectedBytes = .max  // consumed; wait for computeDone
        context.send(to: id, after: duration, Message(kind: HW.computeDone))
    }

    func finish() -> Counters {
        var c = Counters(["tile.busy_ps": busyPs, "tile.jobs": jobsDone, "tile.macs": totalMacs])
        c.merge(actions)
        for (l, counts) in labelled {
            for key in counts.sortedKeys { c[LabelledCounter.key(l, key)] = counts[key] }
        }
        return c
    }
}
