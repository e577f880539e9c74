import SpindleCore
import SpindleWorkload
import Testing

@Suite("Model zoo and model files")
struct ModelZooTests {
    /// Weights (convolution and fully connected, without biases and normalisation) and MACs per 224x224
    /// sample. Weights: torchvision's parameter counts minus their BatchNorm parameters and biases
    /// (resnet50 25,557,032 - 53,120 - 1,000; resnet18 11,689,512 - 9,600 - 1,000; vgg16 138,357,544 - 13,416;
    /// alexnet 61,100,840 - 10,344). MACs: the published counts of 4.09, 1.81, 15.47 and 0.71 GMACs.
    @Test(
        "Parameter and MAC counts equal the published ones",
        arguments: [
            ("resnet50", 25_502_912, 4_089_184_256 as UInt64),
            ("resnet18", 11_678_912, 1_814_073_344),
            ("vgg16", 138_344_128, 15_470_264_320),
            ("alexnet", 61_090_496, 714_188_480),
        ])
    func published(_ name: String, _ weights: Int, _ macs: UInt64) throws {
        let n = try #require(ModelZoo.network(named: name))
        #expect(n.parameters == weights)
        #expect(n.macsPerSample == macs)
    }

    @Test("A convolution's MACs are output pixels x window x filters; a linear layer's are inputs x outputs x tokens")
    func layerArithmetic() {
        let conv = Layer.conv("c", 3, 64, size: 224, kernel: 7, stride: 2, padding: 3)
        #expect(conv.outHeight == 112 && conv.outWidth == 112)
        #expect(conv.macsPerSample == UInt64(112 * 112 * 7 * 7 * 3 * 64))
        #expect(conv.parameters == 7 * 7 * 3 * 64)
        let fc = Layer.linear("f", 512, 1_000, tokens: 4)
        #expect(fc.macsPerSample == 512 * 1_000 * 4 && fc.parameters == 512_000)
    }

    @Test("Weight shapes list every layer with weights, in order")
    func weightShapes() throws {
        let n = try #require(ModelZoo.network(named: "resnet18"))
        let shapes = n.weightShapes
        #expect(shapes.count == n.layers.count)
        #expect(shapes.map(\.count).reduce(0, +) == n.parameters)
        #expect(shapes.first?.dims == [64, 3, 7, 7] && shapes.last?.dims == [1_000, 512])
    }

    @Test("SCALE-Sim topology rows become layers: conv rows unpadded, GEMM rows (M, N, K) linear over M rows")
    func scaleSimTopology() throws {
        let conv = try ScaleSimTopology.network(
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nConv1, 32, 30, 3, 3, 8, 16, 1,\n",
            file: "net.csv", gemm: false)
        #expect(conv.name == "net" && conv.layers.count == 1)
        #expect(conv.layers[0].outHeight == 30 && conv.layers[0].outWidth == 28)
        #expect(conv.macsPerSample == UInt64(30 * 28 * 3 * 3 * 8 * 16))
        // Rectangular filters and unequal strides (SCALE-Sim's Stride Height / Stride Width) keep their shapes.
        let rect = try ScaleSimTopology.network(
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Stride Height, Stride Width,\n"
                + "R, 17, 40, 1, 7, 8, 16, 1, 2,\n",
            file: "rect.csv", gemm: false)
        let r = try #require(rect.layers.first)
        #expect(r.kernelHeight == 1 && r.kernelWidth == 7 && r.strideWidth == 2 && r.outHeight == 17 && r.outWidth == 17)
        #expect(rect.macsPerSample == UInt64(17 * 17 * 7 * 8 * 16))
        let gemm = try ScaleSimTopology.network("Layer Name, M, N, K,\nG, 128, 64, 256,\n", file: "g.csv", gemm: true)
        #expect(gemm.macsPerSample == 128 * 64 * 256)
        #expect(throws: SpindleError.self) {
            try ScaleSimTopology.network("Layer Name, M, N, K,\nG, 128, 64, 256,\n", file: "g.csv", gemm: false)
        }
    }

    @Test("A weight encoding scaled to a slice keeps at least one row and no more zero rows than rows")
    func encodingSlice() {
        var e = WeightEncoding(storageBits: 1_000, nonZeros: 100, rows: 10, zeroRows: 4, skipsMACs: true)
        e.basisElements = 64
        let half = e.scaled(by: 0.5)
        #expect(half.storageBits == 500 && half.nonZeros == 50 && half.rows == 5 && half.zeroRows == 2 && half.basisElements == 32)
        let tiny = e.scaled(by: 0.01)
        #expect(tiny.rows == 1 && tiny.zeroRows <= tiny.rows)
        // 3 shifts per non-zero, 3 adds per non-zero beyond the first of each of the 6 non-zero rows.
        #expect(e.rebuildOps == 3 * 100 + 3 * (100 - 6))
        #expect(abs(e.macFraction - 0.6) < 1e-12)
    }
}
