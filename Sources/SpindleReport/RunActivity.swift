import SpindleCore

/// Where a run's time went, over time: each chip's series in equal time bins, its steps, and the bytes
/// each NoC link carried. Present in a `RunReport` when the run recorded activity (`--html`, `--trace`,
/// `--activity`); it depends only on the inputs, like the rest of the report outside `run`.
public struct RunActivity: Sendable, Codable, Equatable {
    /// One step of a chip's schedule: a layer's phase, from its start (waiting for inputs), through the
    /// start of its tile jobs, to its end.
    public struct Step: Sendable, Codable, Equatable {
        public var layer: String
        public var phase: String
        public var beginPs: UInt64
        public var runPs: UInt64
        public var endPs: UInt64
        public init(layer: String, phase: String, beginPs: UInt64, runPs: UInt64, endPs: UInt64) {
            self.layer = layer
            self.phase = phase
            self.beginPs = beginPs
            self.runPs = runPs
            self.endPs = endPs
        }
        enum CodingKeys: String, CodingKey {
            case layer, phase
            case beginPs = "begin_ps"
            case runPs = "run_ps"
            case endPs = "end_ps"
        }
    }

    /// One chip's series (one value per bin) and steps.
    public struct Chip: Sendable, Codable, Equatable {
        public var chip: Int
        /// Picoseconds of tile computing per bin, summed over the chip's tiles.
        public var tileBusyPs: [UInt64]
        /// Bytes read and written per bin, summed over the chip's DRAM channels.
        public var dramBytes: [UInt64]
        /// Bytes sent over NoC links per bin, summed over links.
        public var nocLinkBytes: [UInt64]
        /// Bytes sent through the chip's package port per bin.
        public var packageBytes: [UInt64]
        public var steps: [Step]
        /// Bytes each router sent towards +x, -x, +y and -y over the run; routers row-major.
        public var routerLinkBytes: [[UInt64]]
        public init(
            chip: Int, tileBusyPs: [UInt64], dramBytes: [UInt64], nocLinkBytes: [UInt64], packageBytes: [UInt64], steps: [Step],
            routerLinkBytes: [[UInt64]]
        ) {
            self.chip = chip
            self.tileBusyPs = tileBusyPs
            self.dramBytes = dramBytes
            self.nocLinkBytes = nocLinkBytes
            self.packageBytes = packageBytes
            self.steps = steps
            self.routerLinkBytes = routerLinkBytes
        }
        enum CodingKeys: String, CodingKey {
            case chip, steps
            case tileBusyPs = "tile_busy_ps"
            case dramBytes = "dram_bytes"
            case nocLinkBytes = "noc_link_bytes"
            case packageBytes = "package_bytes"
            case routerLinkBytes = "router_link_bytes"
        }
    }

    /// Width of every bin.
    public var binPs: UInt64
    public var bins: Int
    /// Tiles per chip, the NoC's size, and the peak rates the series are drawn against.
    public var tilesPerChip: Int
    public var nocWidth: Int
    public var nocHeight: Int
    public var nocLinkGBps: Double
    /// NoC links per chip (router pairs, both directions).
    public var nocLinks: Int
    public var dramGBpsPerChip: Double
    public var packageLinkGBps: Double
    /// The package's shape (mesh, ring, ...) and its width in chips (mesh and torus), for drawing.
    public var packageShape: String
    public var packageWidth: Int
    /// Where each tile and DRAM channel sits on the NoC ([x, y]).
    public var tilePositions: [[Int]]
    public var dramPositions: [[Int]]
    public var chips: [Chip]

    public init(
        binPs: UInt64, bins: Int, tilesPerChip: Int, nocWidth: Int, nocHeight: Int, nocLinkGBps: Double, nocLinks: Int,
        dramGBpsPerChip: Double, packageLinkGBps: Double, packageShape: String, packageWidth: Int, tilePositions: [[Int]],
        dramPositions: [[Int]], chips: [Chip]
    ) {
        self.packageWidth = packageWidth
        self.tilePositions = tilePositions
        self.dramPositions = dramPositions
        self.binPs = binPs
        self.bins = bins
        self.tilesPerChip = tilesPerChip
        self.nocWidth = nocWidth
        self.nocHeight = nocHeight
        self.nocLinkGBps = nocLinkGBps
        self.nocLinks = nocLinks
        self.dramGBpsPerChip = dramGBpsPerChip
        self.packageLinkGBps = packageLinkGBps
        self.packageShape = packageShape
        self.chips = chips
    }

    enum CodingKeys: String, CodingKey {
        case bins, chips
        case binPs = "bin_ps"
        case tilesPerChip = "tiles_per_chip"
        case nocWidth = "noc_width"
        case nocHeight = "noc_height"
        case nocLinkGBps = "noc_link_gbps"
        case nocLinks = "noc_links"
        case dramGBpsPerChip = "dram_gbps_per_chip"
        case packageLinkGBps = "package_link_gbps"
        case packageShape = "package_shape"
        case packageWidth = "package_width"
        case tilePositions = "tile_positions"
        case dramPositions = "dram_positions"
    }

    /// Checks that the section is whole (a saved result may have been edited): sizes agree with each other
    /// and stay within what a run records, and each step's times are in order.
    public func check() throws(SpindleError) {
        func fail(_ what: String) -> SpindleError {
            SpindleError(
                .invalidValue, "the result's activity section is inconsistent: \(what)", expected: "activity as spindle run wrote it")
        }
        guard binPs > 0 else { throw fail("bin_ps is 0") }
        guard (0...65_536).contains(bins) else { throw fail("\(bins) bins (at most 65,536)") }
        guard (1...(1 << 20)).contains(chips.count) else { throw fail("\(chips.count) chips") }
        guard (1...4_096).contains(nocWidth), (1...4_096).contains(nocHeight), nocWidth * nocHeight <= 1 << 20 else {
            throw fail("a \(nocWidth) x \(nocHeight) NoC")
        }
        guard (0...(1 << 20)).contains(tilesPerChip), packageWidth >= 0, nocLinks >= 0 else { throw fail("negative or huge counts") }
        for p in tilePositions + dramPositions {
            guard p.count == 2, (0..<nocWidth).contains(p[0]), (0..<nocHeight).contains(p[1]) else {
                throw fail("a position \(p) outside the \(nocWidth) x \(nocHeight) NoC")
            }
        }
        for c in chips {
            for series in [c.tileBusyPs, c.dramBytes, c.nocLinkBytes, c.packageBytes] where series.count > bins {
                throw fail("chip \(c.chip) has \(series.count) values for \(bins) bins")
            }
            guard c.routerLinkBytes.count == nocWidth * nocHeight, c.routerLinkBytes.allSatisfy({ $0.count == 4 }) else {
                throw fail("chip \(c.chip) has \(c.routerLinkBytes.count) routers' link bytes for a \(nocWidth) x \(nocHeight) NoC")
            }
            guard c.steps.count <= 1 << 24 else { throw fail("chip \(c.chip) has \(c.steps.count) steps") }
            for s in c.steps where !(s.beginPs <= s.runPs && s.runPs <= s.endPs) {
                throw fail("a step of chip \(c.chip) (\(s.layer)) ends before it begins")
            }
        }
    }

    /// Share of a chip's tiles computing in bin `b` (0...1).
    public func tileUtilisation(_ chip: Chip, _ b: Int) -> Double {
        b < chip.tileBusyPs.count ? Double(chip.tileBusyPs[b]) / (Double(binPs) * Double(max(tilesPerChip, 1))) : 0
    }

    /// GB/s of a series' bin `b` (bytes per bin over the bin's width).
    public func gbPerSecond(_ series: [UInt64], _ b: Int) -> Double {
        b < series.count ? Double(series[b]) / Double(binPs) * 1_000 : 0
    }
}
