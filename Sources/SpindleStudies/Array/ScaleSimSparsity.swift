import SpindleWorkload

/// SCALE-Sim v3's `[sparsity]` section: N:M weight sparsity on the filter operand.
///
/// Layer-wise (`OptimizedMapping: false`) keeps the first N of every M window elements, M and N from the
/// topology's `Sparsity` column, and condenses both operands to those rows. Row-wise (`OptimizedMapping:
/// true`) gives each filter column its own N, drawn from 1 ... BlockSize / 2 with NumPy's legacy generator
/// seeded by `RandomNumberGeneratorSeed`, and maps two blocks of BlockSize rows onto one array tile.
public struct ScaleSimSparsity: Sendable, Equatable {
    /// How the filter and its metadata are stored (SPARSE_REPORT.csv's representation).
    public enum Representation: String, Sendable, CaseIterable {
        case csr, csc
        case ellpackBlock = "ellpack_block"
    }

    public var representation: Representation = .ellpackBlock
    /// Row-wise sparsity (SCALE-Sim's `OptimizedMapping`); layer-wise when false.
    public var rowWise = false
    /// M of row-wise N:M (SCALE-Sim's `BlockSize`).
    public var blockSize = 4
    public var seed: UInt32 = 40

    public init() {}
}

/// One layer's SPARSE_REPORT.csv row: filter storage before and after compression, in words.
public struct ScaleSimSparseReport: Sendable, Equatable, Codable {
    public var representation: String
    public var originalFilterWords: Int
    /// Compressed filter plus metadata.
    public var newFilterWords: Double
    public var metadataWords: Double
    /// Metadata words over the layer's total cycles (SCALE-Sim's "Avg FILTER Metadata SRAM BW").
    public var metadataBandwidth: Double

    /// Blocked ELLPACK counts metadata in fractions of a 32-bit word; CSR and CSC in whole words.
    var fractional: Bool { representation == ScaleSimSparsity.Representation.ellpackBlock.rawValue }

    /// Storage for `pattern` (window rows x filters, true where a weight is kept) compressed into a filter
    /// operand of `operandRows` rows, with the layer's N:M block `block` (ELLPACK's metadata bits).
    static func storage(
        _ representation: ScaleSimSparsity.Representation, keptPerColumn: [Int], window: Int, operandRows: Int, block: Int
    ) -> ScaleSimSparseReport {
        let filters = keptPerColumn.count
        let kept = keptPerColumn.reduce(0, +)
        var new = 0.0, meta = 0.0
        switch representation {
        case .csr:
            meta = Double(kept + window + 1)
            new = Double(2 * kept + window + 1)
        case .csc:
            meta = Double(kept + filters + 1)
            new = Double(2 * kept + filters + 1)
        case .ellpackBlock:
            var bits = 0
            while (1 << bits) < block { bits += 1 }
            meta = Double(operandRows * filters * bits) / 32
            new = Double(operandRows * filters) + meta
        }
        return ScaleSimSparseReport(
            representation: representation.rawValue, originalFilterWords: window * filters, newFilterWords: new, metadataWords: meta,
            metadataBandwidth: 0)
    }
}
