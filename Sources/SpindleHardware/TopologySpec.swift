import SpindleCore

/// The kinds of compute tile Spindle models.
public enum TileKind: String, Sendable, CaseIterable, Codable {
    /// A digital array of multiply-accumulate units.
    case peArray = "pe-array"
    /// A spintronic (MRAM) crossbar that computes matrix-vector products in memory.
    case spinCrossbar = "spin-crossbar"

    /// The action one multiply-accumulate is counted as.
    public var macAction: String {
        switch self {
        case .peArray: return "mac.int8"
        case .spinCrossbar: return "xbar.mac"
        }
    }
}

/// A named kind of tile and its parameters.
public struct TileType: Sendable, Equatable {
    public var name: String
    public var kind: TileKind
    /// Multiply-accumulates completed per clock cycle.
    public var macsPerCycle: Int
    public var clockGHz: Double
    /// Local buffer (SRAM) capacity in bytes.
    public var bufferBytes: UInt64

    public init(name: String, kind: TileKind, macsPerCycle: Int, clockGHz: Double, bufferBytes: UInt64) {
        self.name = name
        self.kind = kind
        self.macsPerCycle = macsPerCycle
        self.clockGHz = clockGHz
        self.bufferBytes = bufferBytes
    }
}

/// A position in a chip's mesh, (x, y) with 0 ≤ x < width and 0 ≤ y < height.
public struct MeshPosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
    public var description: String { "[\(x), \(y)]" }
    public func distance(to o: MeshPosition) -> Int { abs(x - o.x) + abs(y - o.y) }
}

/// The network-on-chip of one chip: a 2D mesh with dimension-order (XY) routing.
public struct NoCSpec: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Router pipeline latency per hop.
    public var routerLatencyPs: Picoseconds
    /// Wire latency per link.
    public var linkLatencyPs: Picoseconds
    public var linkBandwidthGBps: Double
    /// Packets are this large (the last packet of a transfer may be smaller).
    public var packetBytes: UInt64
    public var flitBytes: UInt64
    /// Physical length of one link, for wire energy.
    public var linkLengthMM: Double

    public init(
        width: Int, height: Int, routerLatencyPs: Picoseconds, linkLatencyPs: Picoseconds, linkBandwidthGBps: Double,
        packetBytes: UInt64, flitBytes: UInt64, linkLengthMM: Double
    ) {
        self.width = width
        self.height = height
        self.routerLatencyPs = routerLatencyPs
        self.linkLatencyPs = linkLatencyPs
        self.linkBandwidthGBps = linkBandwidthGBps
        self.packetBytes = packetBytes
        self.flitBytes = flitBytes
        self.linkLengthMM = linkLengthMM
    }
}

/// One DRAM channel attached to a mesh node.
public struct DRAMChannelSpec: Sendable, Equatable {
    public var at: MeshPosition
    public var bandwidthGBps: Double
    /// Unloaded access latency.
    public var latencyPs: Picoseconds
    public init(at: MeshPosition, bandwidthGBps: Double, latencyPs: Picoseconds) {
        self.at = at
        self.bandwidthGBps = bandwidthGBps
        self.latencyPs = latencyPs
    }
}

/// A tile placed at a mesh node.
public struct TilePlacement: Sendable, Equatable {
    public var type: TileType
    public var at: MeshPosition
    public init(type: TileType, at: MeshPosition) {
        self.type = type
        self.at = at
    }
}

/// The links between chips (the network-on-package).
public struct PackageSpec: Sendable, Equatable {
    public var linkLatencyPs: Picoseconds
    public var linkBandwidthGBps: Double
    public init(linkLatencyPs: Picoseconds, linkBandwidthGBps: Double) {
        self.linkLatencyPs = linkLatencyPs
        self.linkBandwidthGBps = linkBandwidthGBps
    }
}

/// A whole hardware description: identical chips, their NoC, tiles and DRAM channels, the package, and
/// the technology table that prices every action.
public struct Topology: Sendable {
    public var name: String
    public var chips: Int
    public var noc: NoCSpec
    public var tiles: [TilePlacement]
    public var dram: [DRAMChannelSpec]
    public var package: PackageSpec
    /// Latency of the control wires from a chip's controller to its tiles and DRAM channels.
    public var controlLatencyPs: Picoseconds
    public var technology: Technology

    public init(
        name: String, chips: Int, noc: NoCSpec, tiles: [TilePlacement], dram: [DRAMChannelSpec], package: PackageSpec,
        controlLatencyPs: Picoseconds, technology: Technology
    ) {
        self.name = name
        self.chips = chips
        self.noc = noc
        self.tiles = tiles
        self.dram = dram
        self.package = package
        self.controlLatencyPs = controlLatencyPs
        self.technology = technology
    }
}
