import SpindleCore
import SpindleWorkload

/// Settings for every method (each uses its own part).
public struct CompressionSettings: Sendable, Equatable {
    public var method: CompressionMethod
    public var smartDeal = SmartDealOptions()
    public var osc = OSCOptions()
    /// prune-quant: fraction kept per layer and bits per kept value.
    public var pruneKeep: Double = 0.3
    public var pruneBits: Int = 8
    /// dense: storage type.
    public var denseType: DType = .float32
    public init(method: CompressionMethod) { self.method = method }
}

/// Compresses a list of weight tensors with one method.
public enum Compressor {
    /// Compresses `layers` in order. With `keepTensors`, also returns the compressed tensors to store.
    /// `progress` is told each layer's index (0-based) and name as its compression starts.
    public static func run(
        _ layers: [(shape: WeightShape, tensor: Tensor)], settings: CompressionSettings, source: String,
        keepTensors: Bool = false, progress: ((Int, String) -> Void)? = nil
    ) -> (report: CompressionReport, tensors: [NamedTensor]) {
        let clock = ContinuousClock.now
        var results: [LayerCompression] = []
        var tensors: [NamedTensor] = []
        var globalBits = 0
        switch settings.method {
        case .smartdeal:
            let partials = layers.enumerated().map { i, l in
                progress?(i, l.shape.name)
                return SmartDealCompressor.compress(l.tensor, shape: l.shape, options: settings.smartDeal, keepTensors: keepTensors)
            }
            let finished = SmartDealCompressor.finish(partials, basisBits: settings.smartDeal.basisBits)
            results = finished.layers
            globalBits = finished.globalCodeBits
            tensors = partials.flatMap(\.tensors)
        case .osc:
            for (i, l) in layers.enumerated() {
                progress?(i, l.shape.name)
                let r = OSCCompressor.compress(l.tensor, shape: l.shape, options: settings.osc, keepTensors: keepTensors)
                results.append(r.layer)
                tensors += r.tensors
            }
            globalBits = settings.osc.magnitudeBits + 1
        case .pruneQuant:
            for l in layers {
                let r = BaselineCompressor.pruneQuant(
                    l.tensor, shape: l.shape, keep: settings.pruneKeep, bits: settings.pruneBits, keepTensors: keepTensors)
                results.append(r.layer)
                tensors += r.tensors
            }
            globalBits = settings.pruneBits
        case .dense:
            for l in layers {
                let r = BaselineCompressor.dense(l.tensor, shape: l.shape, dtype: settings.denseType, keepTensors: keepTensors)
                results.append(r.layer)
                tensors += r.tensors
            }
            globalBits = settings.denseType.size * 8
        }
        let report = CompressionReport(
            method: settings.method.rawValue, source: source, layers: results, globalCodeBits: globalBits,
            wallSeconds: clock.secondsSince)
        return (report, tensors)
    }

    /// Seeded Kaiming-normal weights for each shape (stream = layer index).
    public static func synthetic(_ shapes: [WeightShape], seed: UInt64) -> [(shape: WeightShape, tensor: Tensor)] {
        shapes.enumerated().map { ($0.element, SyntheticWeights.kaimingNormal($0.element, seed: seed, stream: UInt64($0.offset))) }
    }

    /// Weight tensors from a file: every 4-D or 2-D tensor, in name order; others (biases, BN) are skipped.
    public static func fromFile(_ path: String) throws(SpindleError) -> [(shape: WeightShape, tensor: Tensor)] {
        let named = try WeightFiles.read(path)
        var out: [(shape: WeightShape, tensor: Tensor)] = []
        for t in named where t.tensor.shape.count == 4 || t.tensor.shape.count == 2 {
            guard t.tensor.count > 0 else {
                throw SpindleError(
                    .invalidValue, "'\(path)': tensor '\(t.name)' has shape \(t.tensor.shape), with no elements",
                    expected: "a weight tensor with every dimension at least 1")
            }
            if let bad = t.tensor.firstNonFinite {
                throw SpindleError(
                    .invalidValue,
                    "'\(path)': tensor '\(t.name)' holds \(bad.value) at index \(t.tensor.multiIndex(bad.index)) (flat index \(bad.index))",
                    expected: "finite weights (no NaN or infinity)", hint: "Fix or drop the tensor before compressing it")
            }
            out.append((try WeightShape(name: t.name, tensorShape: t.tensor.shape), t.tensor))
        }
        guard !out.isEmpty else {
            throw SpindleError(
                .invalidValue, "'\(path)' holds no 4-D convolution or 2-D linear weight tensors",
                expected: "tensors shaped [cout, cin, kh, kw] or [out, in]")
        }
        return out
    }
}
