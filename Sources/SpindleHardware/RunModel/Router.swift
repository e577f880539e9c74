import SpindleCore
import SpindleEngine

/// A mesh router: dimension-order (XY) routing, a pipeline latency per hop, and one output link per
/// direction whose occupancy serialises packets (virtual cut-through on whole packets).
///
/// Input buffers are unlimited unless the NoC sets `inputBufferPackets`; then a packet leaves only when
/// the next router's input buffer has room (credit flow control: a credit returns over the link when a
/// packet leaves that buffer), and packets wait in order for their output's credits.
///
/// Ports: 0 local, 1 +x, 2 -x, 3 +y, 4 -y.
actor Router: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    let x: Int, y: Int
    /// Neighbour routers: +x, -x, +y, -y (nil at the mesh edge).
    private let neighbours: [ComponentID?]
    private let map: NoCMap
    private let spec: NoCSpec
    private let catalogue: CounterCatalogue
    // The state below is touched only by this actor's handler, one event at a time, and never passed
    // inout across a call that could reach it again: the dynamic exclusivity checks could never fire.
    // Without the attribute, handle and depart make 13 of them per event path; together with the checks on
    // reading EventContext.now they were about 6 % of the 64-chip profile.
    /// When each output port is next free.
    @exclusivity(unchecked) private var portFree: [Picoseconds] = [0, 0, 0, 0, 0]
    /// Free packet slots in the next router's input buffer, per output port (finite buffers only).
    @exclusivity(unchecked) private var credits: [Int]
    /// Packets ready to leave but waiting for a credit, per output port, oldest first.
    @exclusivity(unchecked) private var waiting: [[Message]] = [[], [], [], [], []]
    /// Routed and link bits by step label.
    @exclusivity(unchecked) private var routedBits = LabelTally()
    @exclusivity(unchecked) private var linkBits = LabelTally()
    @exclusivity(unchecked) private var flits: UInt64 = 0
    @exclusivity(unchecked) private var packets: UInt64 = 0
    @exclusivity(unchecked) private var creditStalls: UInt64 = 0
    /// Link bytes per bin and bytes per output port, when the run records activity.
    @exclusivity(unchecked) private var linkBins: ActivityBins?
    @exclusivity(unchecked) private var portBytes: [UInt64]?

    init(
        slot: ComponentSlot, x: Int, y: Int, map: NoCMap, spec: NoCSpec, neighbours: [ComponentID?], catalogue: CounterCatalogue,
        activity: ActivityOptions? = nil
    ) {
        id = slot.id
        executor = slot.executor
        self.x = x
        self.y = y
        self.map = map
        self.spec = spec
        self.neighbours = neighbours
        self.catalogue = catalogue
        credits = Array(repeating: spec.inputBufferPackets ?? 0, count: 5)
        linkBins = activity.map { ActivityBins(binPs: $0.binPs) }
        portBytes = activity.map { _ in [0, 0, 0, 0, 0] }
    }

    func handle(_ event: Event, _ context: EventContext) {
        let m = event.message
        switch m.messageKind {
        case .credit:
            let port = Int(m.a)
            credits[port] += 1
            if !waiting[port].isEmpty {
                credits[port] -= 1
                depart(waiting[port].removeFirst(), port: port, context)
            }
        case .routeReady:
            // Finite buffers: the packet has passed the router pipeline; it leaves when its output has a credit.
            let port = m.packetTag.outputPort
            if port == 0 || credits[port] > 0 {
                if port != 0 { credits[port] -= 1 }
                depart(m, port: port, context)
            } else {
                waiting[port].append(m)
                creditStalls += 1
            }
        default:
            let port = outputPort(m.destination)
            routedBits.add(m.packetTag.label, m.bytes * 8)
            flits += (m.bytes + spec.flitBytes - 1) / spec.flitBytes
            packets += 1
            if spec.inputBufferPackets == nil {
                depart(m, port: port, at: context.now + spec.routerLatencyPs, context)
            } else {
                // Carry the output and input ports through the pipeline in the tag.
                let inPort = neighbours.firstIndex(of: event.source).map { $0 + 1 } ?? 0
                var ready = m
                ready.kind = MessageKind.routeReady.rawValue
                ready.tag = m.packetTag.routed(output: port, input: inPort).raw
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
        let serial = Units.transferPs(bytes: m.bytes, gbPerSecond: spec.linkBandwidthGBps)
        portFree[port] = start + serial
        let tag = m.packetTag
        let packet = Message(.packet, tag: tag.unrouted.raw, a: m.a, b: m.b, c: m.c)
        if portBytes != nil {
            portBytes![port] &+= m.bytes
            if port != 0 { linkBins!.add(at: start, m.bytes) }
        }
        if port == 0 {
            context.send(to: m.destination, after: start + serial - now, packet)
        } else {
            linkBits.add(tag.label, m.bytes * 8)
            context.send(to: neighbours[port - 1]!, after: start + serial + spec.linkLatencyPs - now, packet)
        }
        if spec.inputBufferPackets != nil {
            let inPort = tag.inputPort
            if inPort != 0, let upstream = neighbours[inPort - 1] {
                // The upstream router's port towards us is the opposite direction of our input port.
                let upstreamPort = inPort % 2 == 1 ? inPort + 1 : inPort - 1
                context.send(to: upstream, after: start - now + spec.linkLatencyPs, Message(.credit, a: UInt64(upstreamPort)))
            }
        }
    }

    func finish() -> Counters {
        let k = catalogue
        var c = Counters([
            k.key(.action(.nocRouterBits)): routedBits.total, k.key(.action(.nocLinkBits)): linkBits.total,
            k.key(.nocFlits): flits, k.key(.nocPackets): packets, k.key(.nocCreditStalls): creditStalls,
        ])
        routedBits.emit(slot: k.slot(.action(.nocRouterBits)), into: &c, k)
        linkBits.emit(slot: k.slot(.action(.nocLinkBits)), into: &c, k)
        linkBins?.emit(.linkBytes, into: &c, k)
        for (port, n) in (portBytes ?? []).enumerated() where n > 0 { c[k.activityKey(.portBytes, index: port)] = n }
        return c
    }
}
