import SpindleCore
import SpindleWorkload

extension Compressor {
    /// How each layer of `network` stores its weights once compressed as `report` says, by layer name.
    ///
    /// Layers the method leaves dense travel at the layer's own weight width. SmartDeal layers keep their
    /// basis, their Ce rows and zero rows (skipped by SmartDeal tiles; dropped from crossbar rows) and their
    /// code width; OSC layers are packed on crossbars: the K kept weights of each kernel stored contiguously,
    /// inputs routed by index.
    public static func encodings(
        of report: CompressionReport, settings: CompressionSettings, network: Network
    ) -> [String: WeightEncoding] {
        let bits = Dictionary(network.layers.map { ($0.name, $0.weightBits) }, uniquingKeysWith: { a, _ in a })
        var out: [String: WeightEncoding] = [:]
        for l in report.layers {
            let dense = l.bits["dense"] != nil
            let storage = dense ? UInt64(l.parameters * (bits[l.name] ?? 8)) : l.totalBits
            let method: CompressionMethod = dense ? .dense : settings.method == .osc ? .osc : .smartdeal
            var e = WeightEncoding(
                storageBits: storage, nonZeros: l.nonZeros, rows: l.structure.rows, zeroRows: l.structure.zeroRows,
                skipsMACs: l.shape.count == 4 && l.shape[2] > 1, method: method)
            switch method {
            case .smartdeal:
                e.basisElements = Int((l.bits["basis"] ?? 0) / UInt64(max(settings.smartDeal.basisBits, 1)))
                e.basisStorageBits = l.bits["basis"] ?? 0
                e.crossbarRowFraction =
                    l.structure.rows > 0 ? Double(l.structure.rows - l.structure.zeroRows) / Double(l.structure.rows) : 1
                e.crossbarWeightBits = l.structure.codeBits
            case .osc:
                e.crossbarRowFraction = min(1, Double(l.structure.rows * l.structure.keptPerKernel) / Double(max(l.parameters, 1)))
                e.crossbarWeightBits = l.structure.codeBits
            case .dense, .pruneQuant:
                break
            }
            out[l.name] = e
        }
        return out
    }
}
