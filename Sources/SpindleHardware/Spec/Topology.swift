import SpindleCore

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

/// The network-on-chip of one chip: a 2D mesh or torus, or a ring, with dimension-order (XY) routing
/// (shortest direction around wrap-around links).
public struct NoCSpec: Sendable, Equatable {
    public enum Shape: String, Sendable, CaseIterable { case mesh, torus, ring }
    public var shape: Shape = .mesh
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
    /// Packets each router input buffer holds (`nil`: unlimited). Mesh only: wrap-around links would need
    /// dateline virtual channels to stay free of deadlock.
    public var inputBufferPackets: Int?

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
///
/// Either a simple channel (a bandwidth and a fixed latency, priced per bit by the technology table) or a
/// JEDEC channel (`jedec`: banks, row buffers, timing and refresh; priced per command from its currents).
public struct DRAMChannelSpec: Sendable, Equatable {
    public var at: MeshPosition
    /// For JEDEC channels: the refresh-limited peak, used only by the mapper's analytic estimate.
    public var bandwidthGBps: Double
    /// Unloaded access latency (JEDEC: tRP + tRCD + CL).
    public var latencyPs: Picoseconds
    public var jedec: DRAMConfig?

    public init(at: MeshPosition, bandwidthGBps: Double, latencyPs: Picoseconds) {
        self.at = at
        self.bandwidthGBps = bandwidthGBps
        self.latencyPs = latencyPs
    }

    /// A JEDEC channel with a preset or parsed config.
    public init(at: MeshPosition, jedec: DRAMConfig) {
        self.at = at
        self.jedec = jedec
        bandwidthGBps = jedec.refreshLimitedBandwidthGBps
        latencyPs = Picoseconds((jedec.unloadedReadLatencyNs * 1_000).rounded())
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
    public enum Shape: String, Sendable, CaseIterable {
        case fullyConnected = "fully-connected"
        case ring, mesh, torus
    }
    public var linkLatencyPs: Picoseconds
    public var linkBandwidthGBps: Double
    public var shape: Shape = .fullyConnected
    /// Chips per row for mesh and torus packages (chips are numbered row by row).
    public var width: Int = 1

    public init(linkLatencyPs: Picoseconds, linkBandwidthGBps: Double, shape: Shape = .fullyConnected, width: Int = 1) {
        self.linkLatencyPs = linkLatencyPs
        self.linkBandwidthGBps = linkBandwidthGBps
        self.shape = shape
        self.width = width
    }

    /// Link ports of one chip: its links to other chips (the most any chip has).
    public func portsPerChip(chips: Int) -> Int {
        guard chips > 1 else { return 0 }
        switch shape {
        case .fullyConnected: return chips - 1
        case .ring: return chips == 2 ? 1 : 2
        case .mesh, .torus:
            let w = max(1, width), h = (chips + w - 1) / w
            func degree(_ n: Int) -> Int { shape == .torus ? (n > 2 ? 2 : n - 1) : min(2, n - 1) }
            return degree(w) + degree(h)
        }
    }

    /// Chip-to-chip links on the shortest route between chips `a` and `b` of `chips`.
    public func hops(_ a: Int, _ b: Int, chips: Int) -> Int {
        if a == b { return 0 }
        switch shape {
        case .fullyConnected: return 1
        case .ring:
            let d = abs(a - b)
            return min(d, chips - d)
        case .mesh, .torus:
            let w = max(1, width), h = (chips + w - 1) / w
            var dx = abs(a % w - b % w), dy = abs(a / w - b / w)
            if shape == .torus {
                dx = min(dx, w - dx)
                dy = min(dy, h - dy)
            }
            return dx + dy
        }
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
