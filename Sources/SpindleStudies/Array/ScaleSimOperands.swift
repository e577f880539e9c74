import SpindleCore
import SpindleWorkload

/// The operand matrices SCALE-Sim's compute model walks for one layer, as addresses (-1: no request):
/// IFMAP (output pixels x operand columns) and filter (operand rows x filters).
///
/// Dense layers compute addresses on demand. Under N:M sparsity (`ScaleSimSparsity`) the filter operand is
/// built as SCALE-Sim v3 builds it: pruned weights become zeros, which SCALE-Sim tells apart from kept
/// weights by their address (so a kept weight at address 0 counts as pruned, as there).
struct ScaleSimOperands {
    let layer: ScaleSimLayer
    let config: ScaleSimConfig
    /// Columns of the IFMAP operand (SCALE-Sim's Sr).
    let ifmapColumns: Int
    /// The window element of each IFMAP operand column under layer-wise sparsity; nil: column j is element j.
    let ifmapWindow: [Int]?
    let filterRows: Int
    /// Row-major `filterRows` x filters; nil: dense (`FilterOffset + filter x window + row`).
    let filterMatrix: [Int]?
    /// Row-wise sparsity's block size: each fold's IFMAP demand interleaves two tiles of blocks.
    let rowWiseBlock: Int?
    /// SCALE-Sim's layer-wise IFMAP SRAM read multiplier (M / N: a block of inputs is read once per row
    /// sharing it); nil otherwise.
    let ifmapReadFactor: Double?
    /// The layer's SPARSE_REPORT.csv storage (bandwidth filled in after the run); nil without sparsity.
    let sparse: ScaleSimSparseReport?

    func ifmap(_ pixel: Int, _ column: Int) -> Int {
        ScaleSimArray.ifmapAddress(layer, config, pixel: pixel, window: ifmapWindow?[column] ?? column)
    }

    func filter(_ row: Int, _ f: Int) -> Int {
        if let filterMatrix { return filterMatrix[row * layer.filters + f] }
        return config.filterOffset + f * layer.window + row
    }

    init(_ l: ScaleSimLayer, config c: ScaleSimConfig) throws(SpindleError) {
        layer = l
        config = c
        let K = l.window, F = l.filters
        guard let sparsity = c.sparsity else {
            (ifmapColumns, ifmapWindow, filterRows, filterMatrix) = (K, nil, K, nil)
            (rowWiseBlock, ifmapReadFactor, sparse) = (nil, nil, nil)
            return
        }
        let ratio = l.sparsity ?? .dense
        let offset = c.filterOffset
        if !sparsity.rowWise {
            // Layer-wise: the first N of every M window elements; each block condenses to N rows (short
            // blocks padded with zeros), and trailing all-zero rows are dropped.
            let N = ratio.nonZero, M = ratio.block
            let blocks = (K + M - 1) / M
            var rows = blocks * N
            var matrix = [Int](repeating: 0, count: rows * F)
            for f in 0..<F {
                for b in 0..<blocks {
                    var kept = 0
                    for i in (b * M)..<min(b * M + M, K) where i % M < N {
                        let a = offset + f * K + i
                        if a != 0 {
                            matrix[(b * N + kept) * F + f] = a
                            kept += 1
                        }
                    }
                }
            }
            while rows > 0 && (0..<F).allSatisfy({ matrix[(rows - 1) * F + $0] == 0 }) { rows -= 1 }
            matrix.removeLast(matrix.count - rows * F)
            let window = (0..<K).filter { $0 % M < N }
            guard window.count == rows else {
                throw SpindleError(
                    .unsupported, "layer '\(l.name)': with FilterOffset 0 SCALE-Sim's sparse operands disagree in size",
                    expected: "a FilterOffset above 0")
            }
            (ifmapColumns, ifmapWindow, filterRows, filterMatrix) = (rows, window, rows, matrix)
            (rowWiseBlock, ifmapReadFactor) = (nil, Double(M) / Double(N))
            sparse = .storage(
                sparsity.representation, keptPerColumn: Array(repeating: window.count, count: F), window: K, operandRows: rows, block: M)
            return
        }
        // Row-wise: column f keeps the first N_f of every BlockSize rows; every two blocks condense into one
        // block of BlockSize rows (BlockSize / 2 from each), and the zeros left become no-requests.
        let bs = sparsity.blockSize, half = bs / 2
        var rng = NumPyLegacyRandom(seed: sparsity.seed)
        let nonZero = (0..<F).map { _ in rng.int(1, half + 1) }
        let pairs = (K + 2 * bs - 1) / (2 * bs)
        let rows = pairs * bs
        var matrix = [Int](repeating: 0, count: rows * F)
        for f in 0..<F {
            for p in 0..<pairs {
                for h in 0..<2 {
                    let start = (2 * p + h) * bs
                    var kept = 0
                    for i in start..<max(start, min(start + bs, K)) where i % bs < nonZero[f] && kept < half {
                        let a = offset + f * K + i
                        if a != 0 {
                            matrix[(p * bs + h * half + kept) * F + f] = a
                            kept += 1
                        }
                    }
                }
            }
        }
        let first = matrix.first ?? -1
        for i in matrix.indices where matrix[i] == 0 { matrix[i] = -1 }
        if offset == 0 && first == 0 { matrix[0] = 0 }
        (ifmapColumns, ifmapWindow, filterRows, filterMatrix) = (K, nil, rows, matrix)
        (rowWiseBlock, ifmapReadFactor) = (bs, nil)
        sparse = .storage(
            sparsity.representation, keptPerColumn: nonZero.map { n in K / bs * n + min(K % bs, n) }, window: K,
            operandRows: rows, block: ratio.block)
    }
}
