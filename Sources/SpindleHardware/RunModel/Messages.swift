import SpindleCore
import SpindleEngine

/// The kinds of message the run model's components exchange (`Message.kind`).
enum MessageKind: UInt32 {
    /// A NoC packet: `a` destination endpoint, `b` bytes, `c` the sending tile (write-backs), tag a `PacketTag`.
    case packet = 1
    /// Controller to DRAM channel: stream `b` bytes to endpoint `a`; tag a `PacketTag`.
    case readRequest
    /// Controller to tile: start job `a` of the tile's list.
    case job
    /// Tile to itself: the current job's compute is done.
    case computeDone
    /// DRAM channel to controller: tile `a`'s write-back is complete.
    case flowDone
    /// Coordinator to controller: start the program.
    case start
    /// Controller to coordinator: chip (controller id `a`) finished.
    case finished
    /// Controller to controller: `a` bytes of package data, tag the transfer's tag, `c` an `ArrivalStaging`.
    case transfer
    /// Router to upstream router: a buffer slot of output port `a` is free again.
    case credit
    /// Router to itself: the packet has passed the pipeline (finite buffers); tag carries its ports.
    case routeReady
    /// Controller to DRAM channel: read or write `b` bytes of package data for staging `a`; tag a `PacketTag`.
    case stageRead, stageWrite
    /// DRAM channel to controller: a part of staging `a` is done.
    case staged
}

/// What a packet's bytes are.
enum PacketPurpose: UInt32 {
    case weights = 0
    case inputs, outputs
    /// Package data the controller stages through DRAM.
    case packageData
}

/// A packet's tag: its purpose, whether it is the last of its transfer, its step label, and, inside a
/// router's pipeline only, the output and input ports it was routed between. The one place the layout is
/// spelled: purpose bits 0-1, last flag bit 2, label bits 3-15, output port bits 16-19, input port bits 20-23.
struct PacketTag: Equatable {
    var raw: UInt32

    init(raw: UInt32) { self.raw = raw }

    init(_ purpose: PacketPurpose, label: Int, last: Bool = false) {
        raw = purpose.rawValue | (last ? Self.lastFlag : 0) | UInt32(label) << 3
    }

    private static let lastFlag: UInt32 = 0x4
    /// Labels fit in 13 bits.
    static let maxLabels = 1 << 13

    var purpose: PacketPurpose { PacketPurpose(rawValue: raw & 0x3)! }
    var label: Int { Int(raw >> 3 & 0x1FFF) }
    var isLast: Bool { raw & Self.lastFlag != 0 }
    /// The same tag, marked as the last packet of its transfer or not.
    func last(_ last: Bool) -> PacketTag { PacketTag(raw: last ? raw | Self.lastFlag : raw) }

    /// The tag with the ports a router chose carried along (router ports 0-4).
    func routed(output: Int, input: Int) -> PacketTag { PacketTag(raw: raw & 0xFFFF | UInt32(output) << 16 | UInt32(input) << 20) }
    var outputPort: Int { Int(raw >> 16 & 0xF) }
    var inputPort: Int { Int(raw >> 20 & 0xF) }
    /// The tag without router ports, as it travels between components.
    var unrouted: PacketTag { PacketTag(raw: raw & 0xFFFF) }
}

/// How a receiving controller stages an arriving package transfer, and the step label it belongs to
/// (`Message.c` of a transfer: mode bits 0-1, label above).
struct ArrivalStaging: Equatable {
    enum Mode: UInt64 {
        /// Write the arriving data into DRAM.
        case write = 1
        /// Read the local chunk and write the sum (a reducing round of a collective).
        case readAndWrite = 2
    }
    var mode: Mode
    var label: Int

    init(_ mode: Mode, label: Int) {
        self.mode = mode
        self.label = label
    }

    init(raw: UInt64) {
        mode = Mode(rawValue: raw & 3)!
        label = Int(raw >> 2)
    }

    var raw: UInt64 { mode.rawValue | UInt64(label) << 2 }
}

extension Message {
    init(_ kind: MessageKind, tag: UInt32 = 0, a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0) {
        self.init(kind: kind.rawValue, tag: tag, a: a, b: b, c: c)
    }

    /// A NoC packet of `bytes` for endpoint `destination`, sent by `tile` (write-backs; `0` otherwise).
    static func packet(to destination: ComponentID, bytes: UInt64, tag: PacketTag, tile: UInt64 = 0) -> Message {
        Message(.packet, tag: tag.raw, a: UInt64(destination.raw), b: bytes, c: tile)
    }

    var messageKind: MessageKind? { MessageKind(rawValue: kind) }
    var packetTag: PacketTag { PacketTag(raw: tag) }
    /// A packet's or read request's destination endpoint.
    var destination: ComponentID { ComponentID(UInt32(truncatingIfNeeded: a)) }
    /// A packet's, read request's or staging's bytes.
    var bytes: UInt64 { b }
}

/// Mesh coordinates of every NoC endpoint and router, shared read-only by all components.
final class NoCMap: Sendable {
    /// Each component's mesh node (`x`, `y`), indexed by `ComponentID.raw`.
    private let x: [UInt16], y: [UInt16]

    init(positions: [(x: Int, y: Int)]) {
        x = positions.map { UInt16($0.x) }
        y = positions.map { UInt16($0.y) }
    }

    func xy(_ id: ComponentID) -> (Int, Int) { (Int(x[Int(id.raw)]), Int(y[Int(id.raw)])) }
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
