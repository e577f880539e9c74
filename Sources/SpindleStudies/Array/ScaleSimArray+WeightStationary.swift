import SpindleWorkload

extension ScaleSimArray {
    /// The read buffers of a weight-stationary run: CALC's estimator, or under a user-given DRAM bandwidth
    /// v3's prefetching buffers, filled in the operands' fetch order (their prefetch matrices).
    static func runWeightStationary(_ ops: ScaleSimOperands) -> ScaleSimLayerReport {
        let c = ops.config
        guard c.interfaceBandwidth == "USER" else {
            var ifmap = ScaleSimEstimatedRead(bufferWords: c.ifmapSRAMKB * 1024)
            var filter = ScaleSimEstimatedRead(bufferWords: c.filterSRAMKB * 1024)
            return walkWeightStationary(ops, ifmap: &ifmap, filter: &filter, ofmapLineWords: c.columns)
        }
        let l = ops.layer, R = c.rows, C = c.columns
        let Sr = ops.ifmapColumns, Sc = l.filters, T = l.ofmapPixels
        // IFMAP fetch order: each R-column slice of the operand matrix (T rows), stacked, read along
        // anti-diagonals (SCALE-Sim's order for the skewed demand).
        let M = ((Sr + R - 1) / R) * T, N = R
        func ifmapElement(_ row: Int, _ col: Int) -> Int {
            let j = (row / T) * R + col
            return j < Sr ? ops.ifmap(row % T, j) : -1
        }
        var ifmapOrder: [Int] = []
        ifmapOrder.reserveCapacity(M * N)
        for d in 0..<(M + N) {
            let maxRow = min(d, M - 1), minRow = max(0, d - N + 1)
            if maxRow < minRow { continue }
            for row in stride(from: maxRow, through: minRow, by: -1) { ifmapOrder.append(ifmapElement(row, d - row)) }
        }
        // Filter fetch order: each column fold's slice of the filter operand, stacked, row by row.
        let colFolds = (Sc + C - 1) / C
        var filterOrder: [Int] = []
        filterOrder.reserveCapacity(colFolds * ops.filterRows * C)
        for fc in 0..<colFolds {
            for i in 0..<ops.filterRows {
                for col in 0..<C {
                    let j = fc * C + col
                    filterOrder.append(j < Sc ? ops.filter(i, j) : -1)
                }
            }
        }
        var ifmap = ScaleSimPrefetchBuffer(
            fetchOrder: ifmapOrder, bufferWords: c.ifmapSRAMKB * 1024, bandwidth: c.ifmapFetchBandwidth ?? c.bandwidth)
        var filter = ScaleSimPrefetchBuffer(
            fetchOrder: filterOrder, bufferWords: c.filterSRAMKB * 1024, bandwidth: c.filterFetchBandwidth ?? c.bandwidth)
        ifmapOrder = []
        filterOrder = []
        return walkWeightStationary(ops, ifmap: &ifmap, filter: &filter, ofmapLineWords: c.bandwidth)
    }

    /// Walks a weight-stationary layer's demand lines through the read buffers and the OFMAP write buffer,
    /// as SCALE-Sim's memory system does: line i is issued at i + the stalls so far, and the longest wait of
    /// its three buffers delays every later line.
    ///
    /// Folds go column fold outer, row fold inner, T + 2R + C - 2 lines each: R lines of weights (flipped:
    /// operand row k at line R - 1 - k, unused rows first), the T pixels skewed over the rows, C - 1 lines
    /// of drain. Row-wise sparsity feeds each array row a block of inputs from two tiles instead of one input.
    static func walkWeightStationary<Buffer: ScaleSimReadBuffer>(
        _ ops: ScaleSimOperands, ifmap: inout Buffer, filter: inout Buffer, ofmapLineWords: Int
    ) -> ScaleSimLayerReport {
        let l = ops.layer, c = ops.config
        let R = c.rows, C = c.columns
        let Sr = ops.ifmapColumns, Sc = l.filters, T = l.ofmapPixels
        let rowFolds = (ops.filterRows + R - 1) / R, colFolds = (Sc + C - 1) / C
        let foldRows = T + 2 * R + C - 2
        let folds = rowFolds * colFolds
        var ofmapBuffer = ScaleSimWriteTiming(bufferWords: c.ofmapSRAMKB * 1024, lineWords: ofmapLineWords)
        var stall = 0, lastOfmap = 0, totalCycles = 0
        var ifmapSpan: (Int, Int)?, filterSpan: (Int, Int)?, ofmapSpan: (Int, Int)?
        func widen(_ span: inout (Int, Int)?, _ cycle: Int) { span = (min(span?.0 ?? cycle, cycle), max(span?.1 ?? cycle, cycle)) }
        var mapping = 0.0, compute = 0.0
        var ifmapReads = 0, weightedIfmapReads = 0.0
        var ifmapLine: [Int] = [], filterLine: [Int] = []
        var foldIndex = 0
        for fc in 0..<colFolds {
            for fr in 0..<rowFolds {
                let base = foldIndex * foldRows
                foldIndex += 1
                let rowsUsed = min(R, ops.filterRows - fr * R), colsUsed = min(C, Sc - fc * C)
                // Mapping efficiency counts the fold's PEs holding a weight (pruned ones hold none).
                var empty = R * C - rowsUsed * colsUsed
                if ops.filterMatrix != nil {
                    for k in 0..<rowsUsed {
                        for col in 0..<colsUsed where ops.filter(fr * R + k, fc * C + col) == -1 { empty += 1 }
                    }
                }
                mapping += Double(R * C - empty) / Double(R * C)
                compute += Double(rowsUsed * colsUsed) * Double(T) / (Double(R * C) * Double(T + 2 * R + 2 * C - 3))
                // The fold's IFMAP slice: R operand columns, or under row-wise sparsity two tiles of R.
                let sliceStart = ops.rowWiseBlock == nil ? fr * R : fr * 2 * R
                let sliceEnd = min(sliceStart + (ops.rowWiseBlock == nil ? R : 2 * R), Sr)
                if let block = ops.rowWiseBlock {
                    ifmapReads += (T + R - 1) * R * block
                } else {
                    ifmapReads += T * max(0, sliceEnd - sliceStart)
                    if let factor = ops.ifmapReadFactor { weightedIfmapReads += Double(T * max(0, sliceEnd - sliceStart)) * factor }
                }
                for s in 0..<foldRows {
                    let cycle = base + s + stall
                    ifmapLine.removeAll(keepingCapacity: true)
                    if let block = ops.rowWiseBlock {
                        // Array row r takes block r / (block / 2) of the two tiles, skewed by r.
                        for r in 0..<R {
                            let src = s - R - r
                            guard src >= 0 && src < T else { continue }
                            let first = sliceStart + (r / (block / 2)) * block
                            for col in first..<max(first, min(first + block, sliceEnd)) {
                                let a = ops.ifmap(src, col)
                                if a >= 0 { ifmapLine.append(a) }
                            }
                        }
                    } else {
                        for k in 0..<R {
                            let src = s - k - R, j = sliceStart + k
                            guard src >= 0 && src < T && j < sliceEnd else { continue }
                            let a = ops.ifmap(src, j)
                            if a >= 0 { ifmapLine.append(a) }
                        }
                    }
                    filterLine.removeAll(keepingCapacity: true)
                    let k = R - 1 - s
                    if k >= 0 && k < rowsUsed {
                        for col in 0..<colsUsed {
                            let a = ops.filter(fr * R + k, fc * C + col)
                            if a != -1 { filterLine.append(a) }
                        }
                    }
                    let ifmapOut = ifmap.serve(ifmapLine, at: cycle)
                    let filterOut = filter.serve(filterLine, at: cycle)
                    // OFMAP: column j of pixel t leaves at line 2R - 1 + t + j.
                    let o = s - (2 * R - 1)
                    let count = o >= 0 && o < T + colsUsed - 1 ? min(o, colsUsed - 1) - max(0, o - T + 1) + 1 : 0
                    let ofmapOut = ofmapBuffer.store(count, at: cycle)
                    if !ifmapLine.isEmpty { widen(&ifmapSpan, ifmapOut) }
                    if !filterLine.isEmpty { widen(&filterSpan, filterOut) }
                    if count > 0 { widen(&ofmapSpan, ofmapOut) }
                    lastOfmap = ofmapOut
                    totalCycles = max(totalCycles, ofmapOut)
                    stall += max(ifmapOut - cycle - 1, filterOut - cycle - 1, ofmapOut - cycle)
                }
            }
        }
        ofmapBuffer.finish(at: lastOfmap)
        let ifmapDRAM = ifmap.dramSpan, filterDRAM = filter.dramSpan
        return ScaleSimLayerReport(
            layer: l.name, totalCycles: totalCycles, stallCycles: stall,
            overallUtilisation: Double(l.macs) * 100 / (Double(totalCycles) * Double(R * C)),
            mappingEfficiency: mapping / Double(folds) * 100, computeUtilisation: compute / Double(folds) * 100,
            sramIfmapStart: ifmapSpan?.0 ?? 0, sramIfmapStop: ifmapSpan?.1 ?? 0, sramIfmapReads: ifmapReads,
            sramFilterStart: filterSpan?.0 ?? 0, sramFilterStop: filterSpan?.1 ?? 0, sramFilterReads: ops.filterRows * Sc,
            sramOfmapStart: ofmapSpan?.0 ?? 0, sramOfmapStop: ofmapSpan?.1 ?? 0, sramOfmapWrites: rowFolds * T * Sc,
            dramIfmapReads: ifmap.dramReads, dramFilterReads: filter.dramReads, dramOfmapWrites: ofmapBuffer.writes,
            dramIfmapStart: ifmapDRAM?.0, dramIfmapStop: ifmapDRAM?.1, dramFilterStart: filterDRAM?.0, dramFilterStop: filterDRAM?.1,
            dramOfmapStart: ofmapBuffer.first, dramOfmapStop: ofmapBuffer.first == nil ? nil : ofmapBuffer.last,
            scaleSimIfmapSRAMReads: ops.ifmapReadFactor == nil ? nil : weightedIfmapReads)
    }
}
