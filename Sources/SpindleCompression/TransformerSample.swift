import SpindleCore
import SpindleWorkload

/// A transformer's linear layers compressed on samples: what a weight costs once encoded.
public struct TransformerSampleCompression: Sendable, Equatable {
    public var bitsPerWeight: Double
    /// Operations that rebuild one weight from its encoding: SmartDeal's shift-adds (the non-zero
    /// coefficients of its row, each times a basis value), OSC's one decode per stored code.
    public var rebuildOperationsPerWeight: Double
    public var relativeError: Double
    /// The sampled layers.
    public var layers: [LayerCompression]

    /// The largest side of a sampled tile.
    public static let tile = 256

    /// Compresses a `tile` x `tile` (or smaller) sample of synthetic weights of each kind of projection of
    /// `model` (query and output, key and value, the MLP's up, gate and down), and weights each kind's bits,
    /// rebuild operations and error by the parameters of that kind in the model.
    public static func measure(_ model: Transformer, settings: CompressionSettings, seed: UInt64) -> TransformerSampleCompression {
        let h = model.hidden, kv = model.kvWidth, f = model.ffn
        let kinds: [(String, Int, Int, Double)] = [
            ("attn.q+out", h, h, 2 * Double(h) * Double(h)),
            ("attn.k+v", kv, h, 2 * Double(kv) * Double(h)),
            ("mlp.up" + (model.gated ? "+gate" : ""), f, h, Double(model.gated ? 2 : 1) * Double(f) * Double(h)),
            ("mlp.down", h, f, Double(f) * Double(h)),
        ]
        let shapes = kinds.map {
            WeightShape(name: $0.0, outChannels: min($0.1, tile), inChannels: min($0.2, tile), isLinear: true)
        }
        let report = Compressor.run(Compressor.synthetic(shapes, seed: seed), settings: settings, source: model.name + " samples").report
        var bits = 0.0, rebuild = 0.0, error = 0.0, total = 0.0
        for (layer, kind) in zip(report.layers, kinds) {
            let weight = kind.3
            let perWeight = Double(layer.totalBits) / Double(max(1, layer.parameters))
            let ops: Double
            switch settings.method {
            case .smartdeal: ops = Double(layer.nonZeros) / Double(max(1, layer.structure.rows))
            case .osc, .pruneQuant: ops = Double(layer.nonZeros) / Double(max(1, layer.parameters))
            case .dense: ops = 0
            }
            bits += perWeight * weight
            rebuild += ops * weight
            error += layer.relativeError * weight
            total += weight
        }
        return TransformerSampleCompression(
            bitsPerWeight: bits / total, rebuildOperationsPerWeight: rebuild / total, relativeError: error / total, layers: report.layers)
    }
}
