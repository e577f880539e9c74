import SpindleCore
import SpindleHardware
import SpindleWorkload

/// Builds the tile jobs of one layer in one phase on one chip.
struct LayerJobBuilder {
    let options: MappingOptions
    /// Loop-nest tiles' counts by tile type and shape, shared by every layer and plan of one mapping run.
    let memo: LoopNestMemo

    /// The jobs of `layer` (network index `index`) in `phase` for `samples` samples, as passes: each inner
    /// list runs as one step; passes exist when a tile's data do not fit its buffer.
    /// `accumulate`: backward-weight of a later micro-batch adds to the gradient already in DRAM.
    func jobs(
        _ layer: Layer, index: Int, phase: Phase, samples: Int, accumulate: Bool, chip: ChipLayout, encoding c: WeightEncoding?
    ) throws(SpindleError) -> [[TileJob]] {
        let t = chip.topology
        let n = UInt64(samples)
        let heads = layer.kind == .matmul ? max(layer.groups, 1) : 1
        let shares = chip.shares[index]!
        let bits = UInt64(layer.weightBits), act = UInt64(layer.activationBits), grad = UInt64(options.gradientBits)
        let inPixels = layer.inHeight * layer.inWidth * heads, outPixels = layer.outHeight * layer.outWidth * heads
        var perTile: [[TileJob]] = []
        for (i, tile) in t.tiles.enumerated() {
            let share = shares[i]
            guard share > 0 else { continue }
            let type = tile.type
            let f = Double(share) / Double(layer.outChannels)
            let values = UInt64(share * layer.weightsPerFilter * heads)
            let denseWeights = (values * bits + 7) / 8
            let isXbar = type.crossbar != nil
            let resident = isXbar && chip.resident
            var j = TileJob(tile: i, dramChannel: chip.nearest[i], weightBytes: 0, inputBytes: 0, outputBytes: 0, macs: 0)
            let fullMacs = UInt64((Double(layer.macsPerSample) * f).rounded()) * n
            j.crossbarsUsed = isXbar ? chip.crossbars[index]![i] : 0
            if isXbar, let c { j.crossbarWeightBits = c.crossbarWeightBits }
            // Weights as this tile receives them for computing: compressed on SmartDeal tiles, none when resident.
            var computeWeights = denseWeights
            var rebuild: UInt64 = 0
            var macFraction = 1.0
            if type.kind == .smartdeal, let c {
                computeWeights = UInt64((Double(c.storageBits) * f / 8).rounded(.up))
                rebuild = UInt64((Double(c.rebuildOps) * f).rounded())
                macFraction = c.macFraction
            } else if isXbar, let c {
                macFraction = c.crossbarRowFraction
            }
            let xbarRows = isXbar ? ChipLayout.crossbarShape(layer, type.crossbar!, c).rows : layer.weightsPerFilter
            switch phase {
            case .forward:
                j.weightBytes = resident ? 0 : computeWeights
                j.programWeights = isXbar && !resident ? values : 0
                j.rebuildOps = rebuild
                j.inputBytes = layer.inputBytesPerSample * n
                j.outputBytes = (UInt64(share * outPixels) * act + 7) / 8 * n
                j.macs = UInt64((Double(fullMacs) * macFraction).rounded())
                (j.gemmWindow, j.gemmFilters, j.gemmPixels) = (xbarRows, share, outPixels * samples)
            case .backwardData:
                // The transposed product: output gradients in, input gradients out. PE tiles split the input
                // channels; crossbar tiles use their resident filters and write partial sums to be added.
                j.weightBytes = resident ? 0 : computeWeights
                j.programWeights = isXbar && !resident ? values : 0
                j.rebuildOps = rebuild
                j.inputBytes = (UInt64(share * outPixels) * act + 7) / 8 * n
                j.outputBytes =
                    isXbar
                    ? layer.inputBytesPerSample * n
                    : (UInt64(Double(layer.inputBytesPerSample) * f) + 1) * n
                j.macs = UInt64((Double(fullMacs) * macFraction).rounded())
                if isXbar { j.fpAdds = UInt64(layer.inChannels * inPixels) * n }
                (j.gemmWindow, j.gemmFilters, j.gemmPixels) =
                    isXbar
                    ? (xbarRows, share, inPixels * samples)
                    : (
                        max(1, layer.weightsPerFilter * share / max(layer.inChannels, 1)),
                        max(1, layer.inChannels * share / layer.outChannels), inPixels * samples
                    )
            case .backwardWeight:
                // Saved input activations and this tile's output gradients in; its weight gradients out
                // (dense, at gradient precision), computed digitally.
                j.inputBytes = layer.inputBytesPerSample * n + (UInt64(share * outPixels) * act + 7) / 8 * n
                j.weightBytes = accumulate ? (values * grad + 7) / 8 : 0
                j.outputBytes = (values * grad + 7) / 8
                j.macs = fullMacs
                j.digital = true
                (j.gemmWindow, j.gemmFilters, j.gemmPixels) = (outPixels * samples, share, layer.weightsPerFilter)
            case .update:
                let opt = options.optimizer
                let state = UInt64(opt.stateWords * 32)
                var read = (values * (bits + grad + state) + 7) / 8
                var written = (values * (bits + state) + 7) / 8
                var muls = values * opt.opsPerParameter.muls, adds = values * opt.opsPerParameter.adds
                if let c, c.method == .smartdeal, c.basisElements > 0 {
                    // SmartDeal: dW flows to B (Ce^T dW, shifts) and to the non-zero Ce entries (dW B^T); B is
                    // updated in full precision with the optimizer; Ce moves by exponent shifts when its
                    // 8-bit counter overflows. Codes, bitmap and counters are read and written back.
                    let nz = UInt64((Double(c.nonZeros) * f).rounded()), basis = UInt64((Double(c.basisElements) * f).rounded())
                    // Codes and bitmap: the stored format without its basis.
                    let codes = UInt64((Double(c.storageBits - min(c.storageBits, c.basisStorageBits)) * f).rounded())
                    let fixed = (codes + nz * 8 + basis * (32 + state) + 7) / 8
                    read = fixed + (values * grad + 7) / 8
                    written = fixed
                    j.rebuildOps = 3 * nz + nz
                    muls = 3 * nz + basis * opt.opsPerParameter.muls
                    adds = 3 * nz + basis * opt.opsPerParameter.adds
                }
                j.weightBytes = read
                j.outputBytes = written
                j.fpMuls = muls
                j.fpAdds = adds
                j.digital = true
                j.gemmFilters = share  // element-wise: passes may cut it anywhere along the filters
                // Crossbars: the new weights are written into the cells.
                j.programWeights = isXbar ? values : 0
            case .exchange, .program, .control:
                preconditionFailure("no tile jobs for \(phase)")
            }
            if type.kind == .smartdeal && (phase == .forward || phase == .backwardData) {
                smartdealDataflow(&j, type: type, layer: layer, share: share, samples: samples, phase: phase, encoding: c)
            }
            if type.hierarchy != nil {
                // The storage hierarchy streams what its levels cannot hold: no passes.
                if let shape = Self.loopNestShape(j, layer: layer, share: share, samples: samples, phase: phase) {
                    try loopNest(&j, type: type, shape: shape, topology: t)
                }
                perTile.append([j])
                continue
            }
            var cut = try passes(j, type: type, layer: layer, tile: i)
            if let first = cut.firstIndex(where: { $0.programWeights > 0 }) { cut[first].programRound = true }
            perTile.append(cut)
        }
        let depth = perTile.map(\.count).max() ?? 0
        return (0..<depth).map { p in perTile.compactMap { p < $0.count ? $0[p] : nil } }
    }

    /// Splits a job whose weights and inputs do not fit the tile buffer into passes that do, choosing the
    /// order that moves the fewest bytes: weights kept while inputs stream, inputs kept while weights
    /// stream, or both cut (one of them re-read per chunk of the other).
    func passes(_ j: TileJob, type: TileType, layer: Layer, tile: Int) throws(SpindleError) -> [TileJob] {
        let buffer = type.bufferBytes
        let w = j.weightBytes, i = j.inputBytes
        guard w + i > buffer else { return [j] }
        let filters = UInt64(max(j.gemmFilters, 1))
        let oneFilter = (w + filters - 1) / filters
        let rows = UInt64(max(layer.inHeight, 1))
        let oneRow = (i + rows - 1) / rows
        guard oneFilter + oneRow <= buffer else {
            throw SpindleError(
                .capacity,
                "layer '\(layer.name)' cannot be cut to fit tile \(tile) (\(type.name)): one filter's data (\(Units.formatBytes(oneFilter))) and one input row (\(Units.formatBytes(oneRow))) need \(Units.formatBytes(oneFilter + oneRow)), the buffer holds \(Units.formatBytes(buffer)): short by \(Units.formatBytes(oneFilter + oneRow - buffer))",
                hint: "Use tiles with larger buffers, or a smaller batch")
        }
        func split(_ x: UInt64, _ k: UInt64, _ p: UInt64) -> UInt64 { x / k + (p < x % k ? 1 : 0) }
        // Orders: weights kept (inputs stream), inputs kept (weights stream), both cut with weights re-read
        // per input chunk, both cut with inputs re-read per weight chunk. Each: (weight chunks, input chunks).
        enum Order { case keepWeights, keepInputs, rereadWeights, rereadInputs }
        var choices: [(order: Order, wk: UInt64, ik: UInt64, traffic: UInt64)] = []
        if w + oneRow <= buffer { choices.append((.keepWeights, 1, (i + (buffer - w) - 1) / (buffer - w), w + i)) }
        if i + oneFilter <= buffer { choices.append((.keepInputs, (w + (buffer - i) - 1) / (buffer - i), 1, w + i)) }
        // Both cut: try splits of the buffer between a weight chunk and an input chunk (finest: one filter or
        // one input row) and keep the cheapest.
        var splits = (1..<16).map { buffer * UInt64($0) / 16 }
        splits += [oneFilter, buffer - oneRow]
        for wChunk in splits where wChunk >= oneFilter && buffer - wChunk >= oneRow && (wChunk > 0 || w == 0) && (wChunk < buffer || i == 0)
        {
            let iChunk = buffer - wChunk
            let wk = w == 0 ? 1 : max(1, (w + wChunk - 1) / wChunk), ik = i == 0 ? 1 : max(1, (i + iChunk - 1) / iChunk)
            choices.append((.rereadWeights, wk, ik, i + w * ik))
            choices.append((.rereadInputs, wk, ik, w + i * wk))
        }
        let best = choices.min { $0.traffic != $1.traffic ? $0.traffic < $1.traffic : $0.wk * $0.ik < $1.wk * $1.ik }!
        let total = best.wk * best.ik
        var out: [TileJob] = []
        var p: UInt64 = 0
        let outerCount = best.order == .rereadWeights || best.order == .keepWeights ? best.ik : best.wk
        let innerCount = total / outerCount
        for a in 0..<outerCount {
            for b in 0..<innerCount {
                var x = j
                // (weight chunk, input chunk) of this pass and whether each is loaded now.
                let wc: UInt64, ic: UInt64, loadW: Bool, loadI: Bool
                switch best.order {
                case .keepWeights: (wc, ic, loadW, loadI) = (0, a, a == 0, true)
                case .keepInputs: (wc, ic, loadW, loadI) = (a, 0, true, a == 0)
                case .rereadWeights: (wc, ic, loadW, loadI) = (b, a, true, b == 0)
                case .rereadInputs: (wc, ic, loadW, loadI) = (a, b, b == 0, true)
                }
                x.weightBytes = loadW ? split(w, best.wk, wc) : 0
                x.inputBytes = loadI ? split(i, best.ik, ic) : 0
                x.programWeights = loadW ? split(j.programWeights, best.wk, wc) : 0
                x.outputBytes = max(1, split(j.outputBytes, total, p))
                x.macs = split(j.macs, total, p)
                x.rebuildOps = split(j.rebuildOps, total, p)
                x.bufferRereadBytes = split(j.bufferRereadBytes, total, p)
                x.fpMuls = split(j.fpMuls, total, p)
                x.fpAdds = split(j.fpAdds, total, p)
                x.gemmFilters = max(1, Int(split(UInt64(j.gemmFilters), best.wk, wc)))
                x.gemmPixels = max(1, Int(split(UInt64(j.gemmPixels), best.ik, ic)))
                out.append(x)
                p += 1
            }
        }
        return out
    }
}

extension LayerJobBuilder {
    /// A SmartDeal tile's dataflow (SmartExchange's): zero activation rows skipped with their MACs; on an
    /// organised tile (slices x lines x MACs), weight rows rebuilt for every output-row segment a line
    /// computes (the rebuilt row is broadcast to the line's MACs, then replaced), and the buffer re-reads
    /// this implies: each input row once per group of `slices` output channels and per kernel row that uses
    /// it (inputs whose Ce row is zero for the group are skipped by the index selector), and the Ce codes and
    /// index once per output-row segment. Partial sums stay in the MACs (output-stationary), so outputs are
    /// written once.
    func smartdealDataflow(
        _ j: inout TileJob, type: TileType, layer: Layer, share: Int, samples: Int, phase: Phase, encoding c: WeightEncoding?
    ) {
        let o = type.smartdeal
        let live = 1 - o.zeroActivationRows
        j.macs = UInt64((Double(j.macs) * live).rounded())
        guard o.isOrganised else {
            j.rebuildOps = UInt64((Double(j.rebuildOps) * live).rounded())
            return
        }
        let outH = phase == .forward ? layer.outHeight : layer.inHeight
        let outW = phase == .forward ? layer.outWidth : layer.inWidth
        let segments = UInt64(samples * max(outH, 1)) * UInt64((max(outW, 1) + o.macsPerLine - 1) / o.macsPerLine)
        let rowsUsed = c?.macFraction ?? 1
        j.rebuildOps = UInt64((Double(j.rebuildOps) * Double(segments) * live).rounded())
        let groups = Double((share + o.slices - 1) / o.slices)
        let rowReuse = max(1, Double(layer.kernelHeight) / Double(max(layer.strideHeight, 1)))
        let inputReads = Double(j.inputBytes) * groups * rowReuse * rowsUsed * live
        let weightReads = Double(j.weightBytes) * Double(segments) * live
        let once = Double(j.inputBytes + j.weightBytes)
        j.bufferRereadBytes = UInt64(max(0, (inputReads + weightReads - once).rounded()))
    }
}
