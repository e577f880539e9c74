import SpindleWorkload

/// How a dataflow folds the operands onto the array: operand rows onto array rows (`Sr`), operand columns
/// onto array columns (`Sc`), and `T` streamed per fold.
struct ScaleSimFolding {
    let Sr: Int, Sc: Int, T: Int
    /// Demand lines per fold.
    let foldLines: Int
    /// The cycles SCALE-Sim divides a fold's compute by for its utilisation.
    let utilisationCycles: Int

    init(_ ops: ScaleSimOperands) {
        let c = ops.config, R = c.rows, C = c.columns
        switch c.dataflow {
        case "os":
            // Output pixels x filters held, the (condensed) window streamed.
            (Sr, Sc, T) = (ops.layer.ofmapPixels, ops.layer.filters, ops.ifmapColumns)
            foldLines = T + R + C - 2
            utilisationCycles = foldLines
        case "is":
            // Window x output pixels held, the filters streamed.
            (Sr, Sc, T) = (ops.ifmapColumns, ops.layer.ofmapPixels, ops.layer.filters)
            foldLines = T + 2 * R + C - 2
            utilisationCycles = T + 2 * R + 2 * C - 3
        default:
            // Filter operand rows x filters held, the output pixels streamed.
            (Sr, Sc, T) = (ops.filterRows, ops.layer.filters, ops.layer.ofmapPixels)
            foldLines = T + 2 * R + C - 2
            utilisationCycles = T + 2 * R + 2 * C - 3
        }
    }
}

extension ScaleSimArray {
    /// Runs a layer through SCALE-Sim's memory system: CALC's read estimators, or under a user-given DRAM
    /// bandwidth v3's prefetching read buffers, filled in the operands' fetch order (SCALE-Sim's prefetch
    /// matrices).
    static func runDemandWalk(_ ops: ScaleSimOperands) -> ScaleSimLayerReport {
        let c = ops.config
        guard c.interfaceBandwidth == "USER" else {
            var ifmap = ScaleSimEstimatedRead(bufferWords: c.ifmapSRAMKB * 1024)
            var filter = ScaleSimEstimatedRead(bufferWords: c.filterSRAMKB * 1024)
            return walk(ops, ifmap: &ifmap, filter: &filter, ofmapLineWords: c.columns)
        }
        var (ifmapOrder, filterOrder) = fetchOrders(ops)
        var ifmap = ScaleSimPrefetchBuffer(
            fetchOrder: ifmapOrder, bufferWords: c.ifmapSRAMKB * 1024, bandwidth: c.ifmapFetchBandwidth ?? c.bandwidth)
        var filter = ScaleSimPrefetchBuffer(
            fetchOrder: filterOrder, bufferWords: c.filterSRAMKB * 1024, bandwidth: c.filterFetchBandwidth ?? c.bandwidth)
        ifmapOrder = []
        filterOrder = []
        return walk(ops, ifmap: &ifmap, filter: &filter, ofmapLineWords: c.bandwidth)
    }

    /// A `rows` x `columns` matrix flattened along anti-diagonals, bottom-left first: SCALE-Sim's fetch
    /// order for operands whose demand is skewed.
    static func antiDiagonal(rows M: Int, columns N: Int, _ element: (Int, Int) -> Int) -> [Int] {
        var order: [Int] = []
        order.reserveCapacity(M * N)
        for d in 0..<(M + N) {
            let maxRow = min(d, M - 1), minRow = max(0, d - N + 1)
            if maxRow < minRow { continue }
            for row in stride(from: maxRow, through: minRow, by: -1) { order.append(element(row, d - row)) }
        }
        return order
    }

    /// The IFMAP and filter fetch orders of SCALE-Sim v3's prefetch matrices (-1 for padding).
    static func fetchOrders(_ ops: ScaleSimOperands) -> (ifmap: [Int], filter: [Int]) {
        let c = ops.config, R = c.rows, C = c.columns
        let pixels = ops.layer.ofmapPixels, filters = ops.layer.filters, window = ops.ifmapColumns
        switch c.dataflow {
        case "os":
            // Each row fold's T x R slice of the transposed IFMAP operand, and each column fold's T x C
            // slice of the filter operand, stacked, along anti-diagonals.
            let ifmap = antiDiagonal(rows: (pixels + R - 1) / R * window, columns: R) { row, col in
                let p = (row / window) * R + col
                return p < pixels ? ops.ifmap(p, row % window) : -1
            }
            let filter = antiDiagonal(rows: (filters + C - 1) / C * window, columns: C) { row, col in
                let f = (row / window) * C + col
                return f < filters ? ops.filter(row % window, f) : -1
            }
            return (ifmap, filter)
        case "is":
            // IFMAP: each column fold's window x C slice, row by row; filter: each row fold's filters x R
            // slice, along anti-diagonals.
            var ifmap: [Int] = []
            ifmap.reserveCapacity((pixels + C - 1) / C * window * C)
            for fc in 0..<(pixels + C - 1) / C {
                for r in 0..<window {
                    for col in 0..<C {
                        let p = fc * C + col
                        ifmap.append(p < pixels ? ops.ifmap(p, r) : -1)
                    }
                }
            }
            let filter = antiDiagonal(rows: (window + R - 1) / R * filters, columns: R) { row, col in
                let r = (row / filters) * R + col
                return r < window ? ops.filter(r, row % filters) : -1
            }
            return (ifmap, filter)
        default:
            // IFMAP: each R-column slice of the operand (T rows), stacked, along anti-diagonals; filter:
            // each column fold's slice of the filter operand, stacked, row by row.
            let Sr = ops.ifmapColumns
            let ifmap = antiDiagonal(rows: (Sr + R - 1) / R * pixels, columns: R) { row, col in
                let j = (row / pixels) * R + col
                return j < Sr ? ops.ifmap(row % pixels, j) : -1
            }
            var filter: [Int] = []
            filter.reserveCapacity((filters + C - 1) / C * ops.filterRows * C)
            for fc in 0..<(filters + C - 1) / C {
                for i in 0..<ops.filterRows {
                    for col in 0..<C {
                        let j = fc * C + col
                        filter.append(j < filters ? ops.filter(i, j) : -1)
                    }
                }
            }
            return (ifmap, filter)
        }
    }

    /// Walks a layer's demand lines through the read buffers and the OFMAP write buffer, as SCALE-Sim's
    /// memory system does: line i is issued at i + the stalls so far, and the longest wait of its three
    /// buffers delays every later line.
    ///
    /// Folds go column fold outer, row fold inner. Weight stationary: R lines of weights (flipped: operand
    /// row k at line R - 1 - k, unused rows first), the T pixels skewed over the rows, C - 1 lines of drain;
    /// row-wise sparsity feeds each array row a block of inputs from two tiles instead of one input. Output
    /// stationary: window element t of each pixel (rows) and filter (columns), skewed, then the outputs leave
    /// flipped. Input stationary: the inputs in R flipped lines, then the filters streamed as weight
    /// stationary streams pixels.
    static func walk<Buffer: ScaleSimReadBuffer>(
        _ ops: ScaleSimOperands, ifmap: inout Buffer, filter: inout Buffer, ofmapLineWords: Int
    ) -> ScaleSimLayerReport {
        let l = ops.layer, c = ops.config
        let R = c.rows, C = c.columns
        let fold = ScaleSimFolding(ops)
        let Sr = fold.Sr, Sc = fold.Sc, T = fold.T
        let os = c.dataflow == "os", inputStationary = c.dataflow == "is"
        let rowFolds = (Sr + R - 1) / R, colFolds = (Sc + C - 1) / C
        let folds = rowFolds * colFolds
        var ofmapBuffer = ScaleSimWriteTiming(bufferWords: c.ofmapSRAMKB * 1024, lineWords: ofmapLineWords)
        var stall = 0, lastOfmap = 0, totalCycles = 0
        var ifmapSpan: (Int, Int)?, filterSpan: (Int, Int)?, ofmapSpan: (Int, Int)?
        func widen(_ span: inout (Int, Int)?, _ cycle: Int) { span = (min(span?.0 ?? cycle, cycle), max(span?.1 ?? cycle, cycle)) }
        var mapping = 0.0, compute = 0.0
        var ifmapReads = 0, weightedIfmapReads = 0.0, filterReads = 0, ofmapWrites = 0
        var ifmapLine: [Int] = [], filterLine: [Int] = []
        var foldIndex = 0
        for fc in 0..<colFolds {
            for fr in 0..<rowFolds {
                let base = foldIndex * fold.foldLines
                foldIndex += 1
                let rowsUsed = min(R, Sr - fr * R), colsUsed = min(C, Sc - fc * C)
                // Mapping efficiency counts the fold's PEs holding a weight (pruned ones hold none).
                var empty = R * C - rowsUsed * colsUsed
                if !os && !inputStationary && ops.filterMatrix != nil {
                    for k in 0..<rowsUsed {
                        for col in 0..<colsUsed where ops.filter(fr * R + k, fc * C + col) == -1 { empty += 1 }
                    }
                }
                mapping += Double(R * C - empty) / Double(R * C)
                compute += Double(rowsUsed * colsUsed) * Double(T) / (Double(R * C) * Double(fold.utilisationCycles))
                // The weight-stationary IFMAP slice: R operand columns, or under row-wise sparsity two tiles of R.
                let sliceStart = ops.rowWiseBlock == nil ? fr * R : fr * 2 * R
                let sliceEnd = min(sliceStart + (ops.rowWiseBlock == nil ? R : 2 * R), ops.ifmapColumns)
                if os {
                    ifmapReads += T * rowsUsed
                    filterReads += T * colsUsed
                    ofmapWrites += rowsUsed * colsUsed + (c.osFoldEdgeWrites ? R + C : 0)
                } else if inputStationary {
                    ifmapReads += rowsUsed * colsUsed
                    filterReads += T * rowsUsed
                    ofmapWrites += T * colsUsed
                } else {
                    if let block = ops.rowWiseBlock {
                        ifmapReads += (T + R - 1) * R * block
                    } else {
                        ifmapReads += T * max(0, sliceEnd - sliceStart)
                        if let factor = ops.ifmapReadFactor { weightedIfmapReads += Double(T * max(0, sliceEnd - sliceStart)) * factor }
                    }
                    filterReads += rowsUsed * colsUsed
                    ofmapWrites += T * colsUsed
                }
                for s in 0..<fold.foldLines {
                    let cycle = base + s + stall
                    ifmapLine.removeAll(keepingCapacity: true)
                    filterLine.removeAll(keepingCapacity: true)
                    var count = 0
                    if os {
                        for k in 0..<rowsUsed where s - k >= 0 && s - k < T {
                            let a = ops.ifmap(fr * R + k, s - k)
                            if a >= 0 { ifmapLine.append(a) }
                        }
                        for k in 0..<colsUsed where s - k >= 0 && s - k < T {
                            let a = ops.filter(s - k, fc * C + k)
                            if a != -1 { filterLine.append(a) }
                        }
                        // Output row R - 1 - r (flipped, unused rows first) leaves column j at line T - 1 + r + j.
                        for j in 0..<colsUsed {
                            let r = s - j - (T - 1)
                            if r >= R - rowsUsed && r < R { count += 1 }
                        }
                    } else if inputStationary {
                        let row = R - 1 - s
                        if row >= 0 && row < rowsUsed {
                            for k in 0..<colsUsed {
                                let a = ops.ifmap(fc * C + k, fr * R + row)
                                if a >= 0 { ifmapLine.append(a) }
                            }
                        }
                        for k in 0..<rowsUsed where s - R - k >= 0 && s - R - k < T {
                            let a = ops.filter(fr * R + k, s - R - k)
                            if a != -1 { filterLine.append(a) }
                        }
                    } else {
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
                        let k = R - 1 - s
                        if k >= 0 && k < rowsUsed {
                            for col in 0..<colsUsed {
                                let a = ops.filter(fr * R + k, fc * C + col)
                                if a != -1 { filterLine.append(a) }
                            }
                        }
                    }
                    if !os {
                        // Column j of streamed element t leaves at line 2R - 1 + t + j.
                        let o = s - (2 * R - 1)
                        count = o >= 0 && o < T + colsUsed - 1 ? min(o, colsUsed - 1) - max(0, o - T + 1) + 1 : 0
                    }
                    let ifmapOut = ifmap.serve(ifmapLine, at: cycle)
                    let filterOut = filter.serve(filterLine, at: cycle)
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
            sramFilterStart: filterSpan?.0 ?? 0, sramFilterStop: filterSpan?.1 ?? 0, sramFilterReads: filterReads,
            sramOfmapStart: ofmapSpan?.0 ?? 0, sramOfmapStop: ofmapSpan?.1 ?? 0, sramOfmapWrites: ofmapWrites,
            dramIfmapReads: ifmap.dramReads, dramFilterReads: filter.dramReads, dramOfmapWrites: ofmapBuffer.writes,
            dramIfmapStart: ifmapDRAM?.0, dramIfmapStop: ifmapDRAM?.1, dramFilterStart: filterDRAM?.0, dramFilterStop: filterDRAM?.1,
            dramOfmapStart: ofmapBuffer.first, dramOfmapStop: ofmapBuffer.first == nil ? nil : ofmapBuffer.last,
            scaleSimIfmapSRAMReads: ops.ifmapReadFactor == nil || os || inputStationary ? nil : weightedIfmapReads)
    }
}
