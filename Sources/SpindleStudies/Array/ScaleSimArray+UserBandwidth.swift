import SpindleWorkload

extension ScaleSimArray {
    /// A weight-stationary layer under a user-given DRAM bandwidth, as SCALE-Sim v3 runs it: each demand
    /// line waits for the IFMAP and filter read buffers (`ScaleSimPrefetchBuffer`) and the OFMAP write
    /// buffer (`ScaleSimWriteTiming`), and the longest wait delays every later line.
    static func runUserBandwidth(_ l: ScaleSimLayer, config c: ScaleSimConfig) -> ScaleSimLayerReport {
        let R = c.rows, C = c.columns
        let Sr = l.window, Sc = l.filters, T = l.ofmapPixels
        let rowFolds = (Sr + R - 1) / R, colFolds = (Sc + C - 1) / C
        let foldRows = T + 2 * R + C - 2
        let folds = rowFolds * colFolds
        // IFMAP fetch order: each row fold's T x R slice of the operand matrix, stacked, read along
        // anti-diagonals (SCALE-Sim's order for the skewed demand).
        let M = rowFolds * T, N = R
        func ifmapElement(_ row: Int, _ col: Int) -> Int {
            let fr = row / T, t = row % T, j = fr * R + col
            return j < Sr ? ifmapAddress(l, c, pixel: t, window: j) : -1
        }
        var ifmapOrder: [Int] = []
        ifmapOrder.reserveCapacity(M * N)
        for d in 0..<(M + N) {
            let maxRow = min(d, M - 1), minRow = max(0, d - N + 1)
            if maxRow < minRow { continue }
            for row in stride(from: maxRow, through: minRow, by: -1) { ifmapOrder.append(ifmapElement(row, d - row)) }
        }
        // Filter fetch order: each column fold's Sr x C slice, stacked, row by row.
        var filterOrder: [Int] = []
        filterOrder.reserveCapacity(colFolds * Sr * C)
        for fc in 0..<colFolds {
            for i in 0..<Sr {
                for col in 0..<C {
                    let j = fc * C + col
                    filterOrder.append(j < Sc ? c.filterOffset + j * Sr + i : -1)
                }
            }
        }
        var ifmapBuffer = ScaleSimPrefetchBuffer(
            fetchOrder: ifmapOrder, bufferWords: c.ifmapSRAMKB * 1024, bandwidth: c.ifmapFetchBandwidth ?? c.bandwidth)
        var filterBuffer = ScaleSimPrefetchBuffer(
            fetchOrder: filterOrder, bufferWords: c.filterSRAMKB * 1024, bandwidth: c.filterFetchBandwidth ?? c.bandwidth)
        ifmapOrder = []
        filterOrder = []
        var ofmapBuffer = ScaleSimWriteTiming(bufferWords: c.ofmapSRAMKB * 1024, lineWords: c.bandwidth)
        var stall = 0, lastOfmap = 0, totalCycles = 0
        var ifmapSpan: (Int, Int)?, filterSpan: (Int, Int)?, ofmapSpan: (Int, Int)?
        func widen(_ span: inout (Int, Int)?, _ cycle: Int) { span = (min(span?.0 ?? cycle, cycle), max(span?.1 ?? cycle, cycle)) }
        let (mapping, compute) = weightStationaryEfficiency(l, c)
        var ifmapLine: [Int] = [], filterLine: [Int] = []
        var foldIndex = 0
        for fc in 0..<colFolds {
            for fr in 0..<rowFolds {
                let base = foldIndex * foldRows
                foldIndex += 1
                let rowsUsed = min(R, Sr - fr * R), colsUsed = min(C, Sc - fc * C)
                for s in 0..<foldRows {
                    let cycle = base + s + stall
                    ifmapLine.removeAll(keepingCapacity: true)
                    for k in 0..<R {
                        let src = s - k - R, j = fr * R + k
                        guard src >= 0 && src < T && j < Sr else { continue }
                        let a = ifmapAddress(l, c, pixel: src, window: j)
                        if a >= 0 { ifmapLine.append(a) }
                    }
                    // A fold's weight rows arrive flipped: row k at line R - 1 - k (unused rows first).
                    filterLine.removeAll(keepingCapacity: true)
                    let k = R - 1 - s
                    if k >= 0 && k < rowsUsed {
                        for col in 0..<colsUsed { filterLine.append(c.filterOffset + (fc * C + col) * Sr + fr * R + k) }
                    }
                    let ifmapOut = ifmapBuffer.serve(ifmapLine, at: cycle)
                    let filterOut = filterBuffer.serve(filterLine, at: cycle)
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
        return ScaleSimLayerReport(
            layer: l.name, totalCycles: totalCycles, stallCycles: stall,
            overallUtilisation: Double(l.macs) * 100 / (Double(totalCycles) * Double(R * C)),
            mappingEfficiency: mapping / Double(folds) * 100, computeUtilisation: compute / Double(folds) * 100,
            sramIfmapStart: ifmapSpan?.0 ?? 0, sramIfmapStop: ifmapSpan?.1 ?? 0, sramIfmapReads: colFolds * T * Sr,
            sramFilterStart: filterSpan?.0 ?? 0, sramFilterStop: filterSpan?.1 ?? 0, sramFilterReads: Sr * Sc,
            sramOfmapStart: ofmapSpan?.0 ?? 0, sramOfmapStop: ofmapSpan?.1 ?? 0, sramOfmapWrites: rowFolds * T * Sc,
            dramIfmapReads: ifmapBuffer.accesses, dramFilterReads: filterBuffer.accesses, dramOfmapWrites: ofmapBuffer.writes,
            dramIfmapStart: ifmapBuffer.firstResponse, dramIfmapStop: ifmapBuffer.lastPrefetch, dramFilterStart: filterBuffer.firstResponse,
            dramFilterStop: filterBuffer.lastPrefetch, dramOfmapStart: ofmapBuffer.first,
            dramOfmapStop: ofmapBuffer.first == nil ? nil : ofmapBuffer.last)
    }
}
