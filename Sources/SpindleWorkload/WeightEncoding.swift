import SpindleCore

/// The compression methods: how a layer's weights are stored.
public enum CompressionMethod: String, Sendable, CaseIterable, Codable {
    case smartdeal, osc
    case pruneQuant = "prune-quant"
    case dense
}

/// How a layer's weights are stored, as the hardware sees them: the method, the storage, the coefficient rows
/// and which are zero, the code width and the basis. Built by compression (SpindleCompression), attached to
/// the network, and read by the mapper and the tiles.
public struct WeightEncoding: Sendable, Equatable {
    /// `.dense` for a layer the method leaves dense.
    public var method: CompressionMethod
    /// Bits of the compressed format (codes + bitmap + basis, or dense for layers left dense).
    public var storageBits: UInt64
    public var nonZeros: Int
    /// Ce rows, and those that are zero (their weight rows, and MACs, are skipped).
    public var rows: Int
    public var zeroRows: Int
    /// Whether zero rows remove MACs (k x k convolutions, where a Ce row is a kernel row).
    public var skipsMACs: Bool
    /// SmartDeal: basis elements (B), kept in full precision while training, and the bits B takes in
    /// `storageBits`.
    public var basisElements: Int = 0
    public var basisStorageBits: UInt64 = 0
    /// Crossbars: rows per filter after packing (OSC keeps K of n weights per kernel; SmartDeal drops zero Ce
    /// rows) as a fraction of the dense window, and bits per stored weight (`0`: the crossbar's own).
    public var crossbarRowFraction = 1.0
    public var crossbarWeightBits = 0

    public init(storageBits: UInt64, nonZeros: Int, rows: Int, zeroRows: Int, skipsMACs: Bool, method: CompressionMethod = .smartdeal) {
        self.storageBits = storageBits
        self.nonZeros = nonZeros
        self.rows = rows
        self.zeroRows = zeroRows
        self.skipsMACs = skipsMACs
        self.method = method
    }

    /// The share `fraction` of the layer (a slice of its output channels): every count scaled.
    public func scaled(by fraction: Double) -> WeightEncoding {
        func part(_ x: Int) -> Int { Int((Double(x) * fraction).rounded()) }
        func part(_ x: UInt64) -> UInt64 { UInt64((Double(x) * fraction).rounded()) }
        var c = self
        c.storageBits = part(storageBits)
        c.nonZeros = part(nonZeros)
        c.rows = max(1, part(rows))
        c.zeroRows = min(c.rows, part(zeroRows))
        c.basisElements = part(basisElements)
        c.basisStorageBits = part(basisStorageBits)
        return c
    }

    /// Shifts and adds to rebuild every weight row: 3 shifts per non-zero, 3 adds per non-zero beyond
    /// the first of each non-zero row (S = 3).
    public var rebuildOps: UInt64 { UInt64(3 * nonZeros + 3 * max(0, nonZeros - (rows - zeroRows))) }
    /// Fraction of MACs left on SmartDeal tiles after skipping zero Ce rows.
    public var macFraction: Double { method == .smartdeal && skipsMACs && rows > 0 ? Double(rows - zeroRows) / Double(rows) : 1 }
}
