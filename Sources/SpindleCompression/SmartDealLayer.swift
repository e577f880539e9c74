import Dispatch
import SpindleCore
import SpindleWorkload

/// SmartDeal on whole layers: structural row pruning, block decomposition, storage and structure.
public enum SmartDealCompressor {
    /// A layer's result before the network-wide code width is known.
    public struct Partial: Sendable {
        public var layer: LayerCompression
        /// Exponents of the non-zero |Ce| values in this layer.
        public var exponents: Set<Int>
        /// numel(Ce) (the bitmap length) and numel(B).
        public var ceCount: Int
        public var basisCount: Int
        /// The compressed tensors (`<name>.Ce`, `<name>.B`, `<name>.mask`) when asked for.
        public var tensors: [NamedTensor]
    }

    /// Zeroes, in each group of 32 filters, the ceil(p·rows) rows with the lowest summed |w| (returns a copy).
    ///
    /// Rows are (cin, kernel row) for k x k layers and input channels for 1x1 layers; linear layers are
    /// never pruned. Ties keep the lower row index.
    public static func pruneRows(_ w: [Float], shape: WeightShape, ratio p: Double) -> [Float] {
        guard p > 0, !shape.isLinear else { return w }
        let kw = shape.kernelWidth
        let rows = shape.inChannels * shape.kernelHeight
        let perFilter = rows * kw
        let prune = min(rows, Int((p * Double(rows)).rounded(.up)))
        var out = w
        var start = 0
        while start < shape.outChannels {
            let end = min(start + 32, shape.outChannels)
            var score = [Double](repeating: 0, count: rows)
            for f in start..<end {
                for r in 0..<rows {
                    var s = 0.0
                    for j in 0..<kw { s += Double(abs(w[f * perFilter + r * kw + j])) }
                    score[r] += s
                }
            }
            let order = (0..<rows).sorted { score[$0] != score[$1] ? score[$0] < score[$1] : $0 < $1 }
            for r in order.prefix(prune) {
                for f in start..<end { for j in 0..<kw { out[f * perFilter + r * kw + j] = 0 } }
            }
            start = end
        }
        return out
    }

    /// Compresses one layer.
    public static func compress(
        _ tensor: Tensor, shape: WeightShape, options: SmartDealOptions, keepTensors: Bool = false
    ) -> Partial {
        let clock = ContinuousClock.now
        let original = tensor.floats
        let layout = SmartDealLayout.of(shape)
        let cout = shape.outChannels
        if layout.kind == .dense {
            let layer = LayerCompression(
                name: shape.name, shape: shape.dims, method: "smartdeal", parameters: shape.count, nonZeros: shape.count,
                bits: ["dense": UInt64(shape.count) * 32], relativeError: 0, wallSeconds: clock.secondsSince,
                structure: LayerStructure(rows: 0, zeroRows: 0, zeroRowsPerGroup: [], nonZerosPerRow: [], codeBits: 32, keptPerKernel: 0),
                passes: 0, operations: 0)
            return Partial(
                layer: layer, exponents: [], ceCount: 0, basisCount: 0,
                tensors: keepTensors ? [NamedTensor(shape.name + ".dense", tensor)] : [])
        }
        let w = pruneRows(original, shape: shape, ratio: options.rowPrune[shape.name] ?? options.rowPruneAll)
        let m0 = layout.blockRows, nb = layout.blocksPerFilter
        let perFilterW = shape.count / cout
        let ceCount = layout.ceCount(outChannels: cout), basisCount = layout.basisCount(outChannels: cout)
        var recon = [Float](repeating: 0, count: shape.count)
        var ce = [Float](repeating: 0, count: ceCount)
        var basis = [Float](repeating: 0, count: basisCount)
        var passes = [Int](repeating: 0, count: cout)
        let threads = max(1, min(options.threads, cout))
        recon.withUnsafeMutableBufferPointer { reconBuf in
            ce.withUnsafeMutableBufferPointer { ceBuf in
                basis.withUnsafeMutableBufferPointer { bBuf in
                    passes.withUnsafeMutableBufferPointer { pBuf in
                        // Safe to share: each filter f writes only its own disjoint ranges of the four buffers,
                        // and every filter is handled by exactly one iteration.
                        nonisolated(unsafe) let r = reconBuf, c = ceBuf, b = bBuf, p = pBuf
                        DispatchQueue.concurrentPerform(iterations: threads) { t in
                            var f = t
                            while f < cout {
                                decomposeFilter(
                                    f, w: w, shape: shape, layout: layout, options: options, recon: r, ce: c, basis: b,
                                    passes: p, perFilterW: perFilterW)
                                f += threads
                            }
                        }
                    }
                }
            }
        }
        // Structure and storage.
        var exponents = Set<Int>()
        var nnz = 0
        var histogram = [Int](repeating: 0, count: 4)
        var zeroRows = 0
        for row in 0..<(ceCount / 3) {
            var k = 0
            for j in 0..<3 {
                let v = ce[row * 3 + j]
                if v != 0 {
                    k += 1
                    exponents.insert(Int(abs(v).exponent))
                }
            }
            nnz += k
            histogram[k] += 1
            if k == 0 { zeroRows += 1 }
        }
        var perGroup: [Int] = []
        if layout.kind == .kernelRows {
            let rowsPerFilter = nb * m0
            var start = 0
            while start < cout {
                let end = min(start + 32, cout)
                var count = 0
                for r in 0..<rowsPerFilter {
                    var allZero = true
                    for f in start..<end where allZero {
                        let base = (f * rowsPerFilter + r) * 3
                        if ce[base] != 0 || ce[base + 1] != 0 || ce[base + 2] != 0 { allZero = false }
                    }
                    if allZero { count += 1 }
                }
                perGroup.append(count)
                start = end
            }
        }
        let layerCodeBits = codeBits(levels: exponents.count)
        let totalPasses = passes.reduce(0, +)
        let layer = LayerCompression(
            name: shape.name, shape: shape.dims, method: "smartdeal", parameters: shape.count, nonZeros: nnz,
            bits: [
                "codes": UInt64(nnz) * UInt64(layerCodeBits), "index": UInt64(ceCount),
                "basis": UInt64(basisCount) * UInt64(options.basisBits),
            ],
            relativeError: relativeError(original, recon), wallSeconds: clock.secondsSince,
            structure: LayerStructure(
                rows: ceCount / 3, zeroRows: zeroRows, zeroRowsPerGroup: perGroup, nonZerosPerRow: histogram,
                codeBits: layerCodeBits, keptPerKernel: 0),
            passes: totalPasses, operations: UInt64(totalPasses) * UInt64(2 * 27) * UInt64(m0) / 3)
        var tensors: [NamedTensor] = []
        if keepTensors {
            tensors = [
                NamedTensor(shape.name + ".Ce", Tensor(shape: [cout * nb, m0, 3], floats: ce)),
                NamedTensor(shape.name + ".B", Tensor(shape: [cout * nb, 3, 3], floats: basis)),
                NamedTensor(
                    shape.name + ".mask",
                    try! Tensor(dtype: .int8, shape: [cout * nb, m0, 3], bytes: ce.map { $0 != 0 ? 1 : 0 })),
            ]
        }
        return Partial(layer: layer, exponents: exponents, ceCount: ceCount, basisCount: basisCount, tensors: tensors)
    }

    /// Decomposes every block of filter `f` and writes its Ce, B and reconstruction.
    static func decomposeFilter(
        _ f: Int, w: [Float], shape: WeightShape, layout: SmartDealLayout, options: SmartDealOptions,
        recon: UnsafeMutableBufferPointer<Float>, ce: UnsafeMutableBufferPointer<Float>,
        basis: UnsafeMutableBufferPointer<Float>, passes: UnsafeMutableBufferPointer<Int>, perFilterW: Int
    ) {
        let m0 = layout.blockRows, nb = layout.blocksPerFilter
        // The filter as a tall matrix of rows of 3 (zero-padded for vector layers).
        var tall = [Double](repeating: 0, count: layout.rowsPerFilter * 3)
        for i in 0..<perFilterW { tall[i] = Double(w[f * perFilterW + i]) }
        var done = 0
        for blk in 0..<nb {
            let a = Array(tall[(blk * m0 * 3)..<((blk + 1) * m0 * 3)])
            let result = SED.decompose(a, rows: m0, options: options)
            done += result.passes
            let ceBase = (f * nb + blk) * m0 * 3
            for i in 0..<(m0 * 3) { ce[ceBase + i] = Float(result.ce[i]) }
            let bBase = (f * nb + blk) * 9
            for i in 0..<9 { basis[bBase + i] = Float(result.basis[i]) }
            // Reconstruction Ce·B in float32, as the reference casts both back to float32.
            for r in 0..<m0 {
                for j in 0..<3 {
                    var acc: Float = 0
                    for k in 0..<3 { acc += Float(result.ce[r * 3 + k]) * Float(result.basis[k * 3 + j]) }
                    let index = (blk * m0 + r) * 3 + j
                    if index < perFilterW { recon[f * perFilterW + index] = acc }
                }
            }
        }
        passes[f] = done
    }

    /// Finishes a network: sets every layer's code bits to the network-wide width (distinct non-zero
    /// magnitudes over all layers), as the reference storage count does.
    public static func finish(_ partials: [Partial], basisBits: Int) -> (layers: [LayerCompression], globalCodeBits: Int) {
        var all = Set<Int>()
        for p in partials { all.formUnion(p.exponents) }
        let global = codeBits(levels: all.count)
        let layers = partials.map { p -> LayerCompression in
            var l = p.layer
            if l.bits["codes"] != nil { l.bits["codes"] = UInt64(l.nonZeros) * UInt64(global) }
            return l
        }
        return (layers, global)
    }

    /// The reference storage formula in bits: nnz·C_bit + numel(Ce) + numel(B)·b_B.
    public static func storageBits(ceCount: Int, nonZeros: Int, basisCount: Int, codeBits: Int, basisBits: Int) -> UInt64 {
        UInt64(nonZeros) * UInt64(codeBits) + UInt64(ceCount) + UInt64(basisCount) * UInt64(basisBits)
    }
}

extension ContinuousClock.Instant {
    var secondsSince: Double {
        let d = ContinuousClock.now - self
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
