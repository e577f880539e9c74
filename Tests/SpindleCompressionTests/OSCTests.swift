import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleCompression

@Suite("OSC and baselines")
struct OSCTests {
    @Test(
        "K = ceil(keep·n - 1e-9) clamped to [1, n]",
        arguments: [(2.0 / 9, 9, 2), (1.0, 9, 9), (0.01, 9, 1), (1.0 / 3, 9, 3), (0.5, 25, 13)])
    func kRule(keep: Double, n: Int, k: Int) {
        #expect(OSCCompressor.kept(keep, n: n) == k)
    }

    @Test("Every 3x3 kernel keeps exactly K weights, the largest ones")
    func exactK() {
        let shape = WeightShape(name: "c", outChannels: 16, inChannels: 8, kernelHeight: 3, kernelWidth: 3)
        let t = SyntheticWeights.kaimingNormal(shape, seed: 4, stream: 0)
        let w = t.floats
        let r = OSCCompressor.compress(t, shape: shape, options: OSCOptions(), keepTensors: true)
        let mask = r.tensors[1].tensor.floats
        for k in 0..<(16 * 8) {
            let slice = Array(mask[(k * 9)..<(k * 9 + 9)])
            #expect(slice.reduce(0, +) == 2)
            let kept = (0..<9).filter { slice[$0] == 1 }.map { abs(w[k * 9 + $0]) }
            let dropped = (0..<9).filter { slice[$0] == 0 }.map { abs(w[k * 9 + $0]) }
            #expect(kept.min()! >= dropped.max()!)
        }
        #expect(r.layer.nonZeros == 16 * 8 * 2)
        #expect(r.layer.structure.keptPerKernel == 2)
    }

    @Test("Results do not depend on the thread count")
    func threadsAgree() {
        let shape = WeightShape(name: "c", outChannels: 33, inChannels: 20, kernelHeight: 3, kernelWidth: 3)
        let t = SyntheticWeights.kaimingNormal(shape, seed: 9, stream: 0)
        var one = OSCOptions(), two = OSCOptions()
        one.threads = 1
        two.threads = 2
        let a = OSCCompressor.compress(t, shape: shape, options: one, keepTensors: true)
        let b = OSCCompressor.compress(t, shape: shape, options: two, keepTensors: true)
        #expect(a.tensors == b.tensors)
        #expect(a.layer.bits == b.layer.bits && a.layer.structure == b.layer.structure)
    }

    @Test("Ties go to the lower index, and runs are deterministic")
    func ties() {
        let shape = WeightShape(name: "c", outChannels: 1, inChannels: 1, kernelHeight: 3, kernelWidth: 3)
        let t = Tensor(shape: shape.dims, floats: [0.5, -0.5, 0.5, 0.1, 0.5, 0, 0, 0, 0])
        let a = OSCCompressor.compress(t, shape: shape, options: OSCOptions())
        let b = OSCCompressor.compress(t, shape: shape, options: OSCOptions())
        #expect(a.reconstruction == [0.5, -0.5, 0, 0, 0, 0, 0, 0, 0])
        #expect(a.reconstruction == b.reconstruction)
    }

    @Test("pow2 values lie in the 2^m-exponent window below the top exponent")
    func window() {
        let shape = WeightShape(name: "c", outChannels: 4, inChannels: 4, kernelHeight: 3, kernelWidth: 3)
        let t = Tensor(shape: shape.dims, floats: (0..<144).map { Float($0 + 1) * 1e-4 * ($0 % 2 == 0 ? 1 : -1) })
        var o = OSCOptions()
        o.keep = 1
        o.magnitudeBits = 2
        let r = OSCCompressor.compress(t, shape: shape, options: o)
        let top = Pow2.exponent(0.0144)  // max |w|
        for v in r.reconstruction where v != 0 {
            #expect(abs(v).significand == 1)
            #expect(Int(abs(v).exponent) <= top && Int(abs(v).exponent) >= top - 3)
        }
    }

    @Test("Storage: 2 of 9 kept with 5-bit codes and 4-bit positions is 18 bits per kernel")
    func storage() {
        let shape = WeightShape(name: "c", outChannels: 32, inChannels: 32, kernelHeight: 3, kernelWidth: 3)
        let r = OSCCompressor.compress(SyntheticWeights.kaimingNormal(shape, seed: 1, stream: 0), shape: shape, options: OSCOptions())
        let kernels = UInt64(32 * 32)
        #expect(r.layer.bits["codes"] == kernels * 2 * 5)
        #expect(r.layer.bits["index"] == kernels * 8)
        #expect(r.layer.bits["scale"] == 32)
        #expect(abs(r.layer.ratio - 288.0 * 1024 / (18 * 1024 + 32)) < 1e-9)
    }

    @Test("1x1 and linear rows are cut into groups of 9; padding is never kept")
    func pointwise() {
        let shape = WeightShape(name: "fc", outChannels: 2, inChannels: 10, isLinear: true)
        let t = Tensor(shape: shape.dims, floats: (0..<20).map { Float($0 + 1) })
        let r = OSCCompressor.compress(t, shape: shape, options: OSCOptions())
        // Per row: a full group of 9 keeps 2, the last group has 1 real weight and keeps it.
        #expect(r.layer.nonZeros == 2 * 3)
        #expect(r.layer.structure.rows == 4)
    }

    @Test("OSC does far fewer operations than SED on the same layer")
    func cost() {
        let shape = WeightShape(name: "c", outChannels: 32, inChannels: 64, kernelHeight: 3, kernelWidth: 3)
        let t = SyntheticWeights.kaimingNormal(shape, seed: 7, stream: 0)
        let osc = OSCCompressor.compress(t, shape: shape, options: OSCOptions()).layer
        let sed = SmartDealCompressor.compress(t, shape: shape, options: SmartDealOptions()).layer
        #expect(osc.operations == UInt64(32 * 64) * 54)
        #expect(sed.operations > 5 * osc.operations)
    }

    @Test("Baselines: fp16 and int8 errors are small; prune-quant keeps its fraction")
    func baselines() {
        let shape = WeightShape(name: "c", outChannels: 16, inChannels: 16, kernelHeight: 3, kernelWidth: 3)
        let t = SyntheticWeights.kaimingNormal(shape, seed: 8, stream: 0)
        let f16 = BaselineCompressor.dense(t, shape: shape, dtype: .float16).layer
        #expect(f16.relativeError < 1e-3 && f16.ratio == 2)
        let i8 = BaselineCompressor.dense(t, shape: shape, dtype: .int8).layer
        #expect(i8.relativeError < 0.02)
        let pq = BaselineCompressor.pruneQuant(t, shape: shape, keep: 0.25, bits: 8).layer
        #expect(pq.nonZeros == 576)
        #expect(pq.bits["codes"] == 576 * 8 && pq.bits["index"] == 2_304)
    }
}

@Suite("Model zoo totals")
struct ZooTests {
    @Test(
        "Parameter and MAC totals match the published counts",
        arguments: [
            ("resnet50", 25_502_912, 4_089_184_256, 0.01), ("resnet18", 11_679_912, 1_814_073_344, 0.01),
            ("resnet18-cifar", 11_164_352, 555_422_720, 0.01),
            ("alexnet", 61_090_496, 714_188_480, 0.0), ("vgg16", 138_344_128, 15_470_264_320, 0.0),
            ("mobilenetv2", 3_469_760, 300_774_272, 0.0),
        ])
    func totals(name: String, params: Int, macs: UInt64, tolerance: Double) throws {
        let n = try #require(ModelZoo.network(named: name))
        #expect(abs(Double(n.parameters) - Double(params)) / Double(params) <= tolerance)
        #expect(abs(Double(n.macsPerSample) - Double(macs)) / Double(macs) <= tolerance)
    }
}

@Suite("Published torchvision totals")
struct PublishedTotalsTests {
    /// Biases of every layer (one per output channel).
    func biases(_ n: Network) -> Int { n.layers.reduce(0) { $0 + $1.outChannels } }

    @Test("AlexNet and VGG-16: weights + biases = torchvision's 61,100,840 and 138,357,544 exactly")
    func withBiases() throws {
        let alexnet = try #require(ModelZoo.network(named: "alexnet")), vgg = try #require(ModelZoo.network(named: "vgg16"))
        #expect(alexnet.parameters + biases(alexnet) == 61_100_840)
        #expect(vgg.parameters + biases(vgg) == 138_357_544)
        // Published MACs: 0.714 G and 15.47 G (to their printed precision).
        #expect(abs(Double(alexnet.macsPerSample) - 714.19e6) < 0.005e6)
        #expect(abs(Double(vgg.macsPerSample) - 15.47e9) < 0.005e9)
    }

    @Test("MobileNetV2: weights + batch-norm scale and shift + classifier bias = torchvision's 3,504,872")
    func mobilenet() throws {
        let n = try #require(ModelZoo.network(named: "mobilenetv2"))
        let batchNorm = n.layers.filter { $0.kind == .conv2d }.reduce(0) { $0 + 2 * $1.outChannels }
        #expect(n.parameters + batchNorm + 1_000 == 3_504_872)
        #expect(abs(Double(n.macsPerSample) - 300.77e6) < 0.005e6)  // published 300.77 M
    }
}

@Suite("Transformer block")
struct TransformerTests {
    @Test("BERT-base encoder block: weights and MACs in closed form")
    func bert() throws {
        let n = try #require(ModelZoo.network(named: "bert-base-block"))
        // 4 x 768 x 768 attention projections + 2 x 768 x 3072 FFN.
        #expect(n.parameters == 4 * 768 * 768 + 2 * 768 * 3_072)
        // 128 tokens through every weight, plus Q x K^T and scores x V: 12 heads x 128 x 128 x 64 each.
        #expect(n.macsPerSample == UInt64(128 * n.parameters + 2 * 12 * 128 * 128 * 64))
        #expect(n.weightShapes.count == 6)  // matmuls have no weights to compress
    }

    @Test("A depthwise 3x3 layer has one 3x3 kernel per channel")
    func depthwise() {
        let l = Layer.depthwise("dw", 96, size: 56, kernel: 3, padding: 1)
        #expect(l.parameters == 96 * 9)
        #expect(l.macsPerSample == UInt64(56 * 56 * 96 * 9))
        #expect(l.weightShape.inChannels == 1)
    }
}
