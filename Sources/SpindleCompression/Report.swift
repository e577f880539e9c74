import SpindleCore

/// The structure of a compressed layer that hardware consumes.
public struct LayerStructure: Sendable, Codable, Equatable {
    /// Coefficient rows (SmartDeal Ce rows, or OSC kernels).
    public var rows: Int
    /// Rows with no non-zero (skipped by a SmartDeal tile).
    public var zeroRows: Int
    /// For each group of 32 filters: rows zero in every filter of the group (k x k SmartDeal layers).
    public var zeroRowsPerGroup: [Int]
    /// Histogram of non-zeros per row: entry i counts rows with i non-zeros.
    public var nonZerosPerRow: [Int]
    /// Bits of one stored code (sign included).
    public var codeBits: Int
    /// Values kept per kernel (OSC; 0 otherwise).
    public var keptPerKernel: Int

    enum CodingKeys: String, CodingKey {
        case rows
        case zeroRows = "zero_rows"
        case zeroRowsPerGroup = "zero_rows_per_group"
        case nonZerosPerRow = "non_zeros_per_row"
        case codeBits = "code_bits"
        case keptPerKernel = "kept_per_kernel"
    }
}

/// One compressed layer: counts, storage by part, error and time.
public struct LayerCompression: Sendable, Codable, Equatable {
    public var name: String
    public var shape: [Int]
    public var method: String
    /// Weights of the layer (numel W).
    public var parameters: Int
    /// Stored non-zero values (codes).
    public var nonZeros: Int
    /// Bits by part: `codes`, `index`, `basis`, `scale`, `dense`.
    public var bits: [String: UInt64]
    /// ||W - W_hat||_F / ||W||_F against the original weights.
    public var relativeError: Double
    public var wallSeconds: Double
    public var structure: LayerStructure
    /// SED passes run, summed over blocks (0 for other methods).
    public var passes: Int
    /// Basic operations of the compression itself: OSC n log2 n comparisons + 2n per kernel of n weights; SED
    /// 2 T k^3 per k-wide kernel, T the passes run.
    public var operations: UInt64

    public var totalBits: UInt64 { bits.values.reduce(0, +) }
    public var ratio: Double { Double(parameters) * 32 / Double(max(totalBits, 1)) }

    enum CodingKeys: String, CodingKey {
        case name, shape, method, parameters, bits, structure, passes, operations
        case nonZeros = "non_zeros"
        case relativeError = "relative_error"
        case wallSeconds = "wall_s"
    }
}

/// A whole network's compression.
public struct CompressionReport: Sendable, Codable, Equatable {
    public var method: String
    public var source: String
    public var layers: [LayerCompression]
    /// SmartDeal: the code width counted over the whole network (distinct non-zero magnitudes).
    public var globalCodeBits: Int
    public var wallSeconds: Double

    public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    public var totalBits: UInt64 { layers.reduce(0) { $0 + $1.totalBits } }
    public var ratio: Double { Double(parameters) * 32 / Double(max(totalBits, 1)) }
    public var bitsByPart: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for l in layers { for (k, v) in l.bits { out[k, default: 0] += v } }
        return out
    }

    enum CodingKeys: String, CodingKey {
        case method, source, layers
        case globalCodeBits = "global_code_bits"
        case wallSeconds = "wall_s"
    }
}

/// Relative Frobenius error of `approx` against `reference`.
func relativeError(_ reference: [Float], _ approx: [Float]) -> Double {
    var num = 0.0, den = 0.0
    for i in reference.indices {
        let d = Double(reference[i]) - Double(approx[i])
        num += d * d
        den += Double(reference[i]) * Double(reference[i])
    }
    return den > 0 ? (num / den).squareRoot() : (num > 0 ? .infinity : 0)
}

/// Code width for `levels` distinct non-zero magnitudes: ceil(log2 levels) + 1 sign bit.
public func codeBits(levels: Int) -> Int {
    guard levels > 1 else { return 1 }
    var bits = 0
    while (1 << bits) < levels { bits += 1 }
    return bits + 1
}
