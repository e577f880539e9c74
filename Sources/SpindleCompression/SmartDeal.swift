import Dispatch
import Foundation
import SpindleCore
import SpindleWorkload

/// How SmartDeal cuts one weight tensor into blocks `A ≈ Ce · B` (S = 3 columns each).
public struct SmartDealLayout: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// k x k convolution: each filter is a (Cin·kh) x kw matrix; S = kw.
        case kernelRows
        /// 1x1 convolution or linear: each output row, zero-padded, is reshaped to rows of 3 input channels.
        case vector
        /// Left uncompressed (kernels other than 1x1 and 3x3, as the reference code does).
        case dense
    }
    public var kind: Kind
    /// Rows of the tall matrix per output filter (for `vector`: padded length / 3).
    public var rowsPerFilter: Int
    /// Rows per block (m0).
    public var blockRows: Int
    /// Whole blocks per filter (rows beyond them are not reconstructed).
    public var blocksPerFilter: Int
    /// Padded input length for `vector` layers.
    public var paddedLength: Int
    public let basisSize = 3

    /// The `VEC_2_SHAPE` table of the reference code: Cin -> (blocks, rows per block) for 1x1 and FC layers.
    public static let vectorTable: [Int: (Int, Int)] = [
        16: (1, 6), 24: (1, 8), 32: (1, 11), 64: (1, 22), 96: (1, 32), 128: (1, 43), 144: (1, 48), 160: (1, 54),
        192: (1, 64), 256: (1, 86), 320: (1, 107), 384: (1, 128), 512: (1, 171), 576: (1, 192), 960: (2, 160),
        1024: (2, 171), 1280: (3, 143), 2048: (4, 171), 4096: (8, 171),
    ]

    /// The block layout of `shape`.
    public static func of(_ shape: WeightShape) -> SmartDealLayout {
        if shape.kernelHeight == 3 && shape.kernelWidth == 3 && !shape.isLinear {
            let m = shape.inChannels * 3
            let m0 = factorLong(m)
            return SmartDealLayout(kind: .kernelRows, rowsPerFilter: m, blockRows: m0, blocksPerFilter: m / m0, paddedLength: 0)
        }
        if shape.isPointwise {
            if let (ns, ss) = vectorTable[shape.inChannels] {
                return SmartDealLayout(kind: .vector, rowsPerFilter: ns * ss, blockRows: ss, blocksPerFilter: ns, paddedLength: 3 * ns * ss)
            }
            let padded = (shape.inChannels + 2) / 3 * 3
            let m = padded / 3
            let m0 = factorLong(m)
            return SmartDealLayout(kind: .vector, rowsPerFilter: m, blockRows: m0, blocksPerFilter: m / m0, paddedLength: padded)
        }
        return SmartDealLayout(kind: .dense, rowsPerFilter: 0, blockRows: 0, blocksPerFilter: 0, paddedLength: 0)
    }

    /// Block rows for a tall matrix of `m` rows (`factor_long`): m itself when m <= 192 or prime, else the
    /// product of its largest prime factors that stays <= 192; three shapes are preset.
    public static func factorLong(_ m: Int) -> Int {
        switch m {
        case 3072: return 192
        case 1638: return 171
        case 8364: return 204
        default: break
        }
        if m <= 192 { return m }
        var factors: [Int] = []
        var n = m, f = 2
        while f * f <= n {
            while n % f == 0 {
                factors.append(f)
                n /= f
            }
            f += 1
        }
        if n > 1 { factors.append(n) }
        if factors.count == 1 { return m }
        var product = m
        var i = 0
        while product > 192 && i < factors.count - 1 {
            product /= factors[i]
            i += 1
        }
        return product
    }

    /// Ce entries per filter and in the layer.
    public func ceCount(outChannels: Int) -> Int { outChannels * blocksPerFilter * blockRows * basisSize }
    /// B entries in the layer.
    public func basisCount(outChannels: Int) -> Int { outChannels * blocksPerFilter * basisSize * basisSize }
}

/// SED settings; the defaults are the reference inference defaults.
public struct SmartDealOptions: Sendable, Equatable {
    /// Absolute threshold on unrounded Ce entries (strict: |c| < t becomes 0).
    public var threshold: Double = 1e-3
    /// Passes T (at most T - 1 alternating passes plus the final fit).
    public var iterations: Int = 30
    /// Stop when the rounded Ce changes by at most this (Frobenius).
    public var tolerance: Double = 1e-10
    /// Relative singular-value cut-off of the least-squares solves.
    public var rcond: Double = 1e-10
    /// Upper clip of |Ce|.
    public var maxC: Double = 32
    /// Zero Ce rows whose L1 norm < 5·threshold each pass (k x k layers only).
    public var rowThreshold = false
    /// Structural row pruning ratio per layer name (before SED; groups of 32 filters). Missing: `rowPruneAll`.
    public var rowPrune: [String: Double] = [:]
    /// Row pruning ratio for convolution layers not named in `rowPrune`.
    public var rowPruneAll: Double = 0
    /// Return the best (Ce, B) pair of any pass when the reference's final fit is worse than it.
    ///
    /// The reference order (round, fit B, refit Ce, threshold) is not monotone: on random blocks about 3.5 %
    /// end 0.1-2 % worse than an earlier pass. With this on (the default) SED never ends worse than its
    /// first pass; off, it reproduces the reference exactly.
    public var keepBest = true
    /// Bits per stored B entry in the storage count (32 reproduces the reference script).
    public var basisBits: Int = 32
    /// Filters are spread over this many threads (results do not depend on it).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    public init() {}

    /// The reference per-layer row-pruning ratios for CIFAR ResNet-18
    /// (`resnet18-structure-percentage.txt`, state_dict order; the FC value is read but never used).
    public static let resnet18CifarRowPrune: [Double] = [
        0.4, 0.6, 0.4, 0.4, 0.4, 0.2, 0.3, 0.1, 0.4, 0.4, 0.3, 0.3, 0.2, 0.4, 0.6, 0.8, 0.9, 0.6, 0.9, 0.9, 0.1,
    ]
}

/// SmartDeal's SED decomposition of one block, with the reference order of steps.
public enum SED {
    /// The result of decomposing one block.
    public struct Block: Sendable {
        /// m0 x 3, row-major; entries are 0 or signed powers of two.
        public var ce: [Double]
        /// 3 x 3, row-major.
        public var basis: [Double]
        /// Alternating passes run before the stop test or the pass limit.
        public var passes: Int
        /// ||q0·B0 - A||_F after the first pass (q0 = rounded A, B0 fitted to it).
        public var firstError: Double
        /// ||Ce·B - A||_F of the result.
        public var finalError: Double
    }

    /// Rounds every non-zero to a signed power of two (ties down) and clips magnitudes at `maxC`.
    @inlinable
    public static func quantize(_ c: [Double], maxC: Double) -> [Double] {
        c.map { v in
            if v == 0 { return 0 }
            let r = min(Pow2.round(abs(v), ties: .down), maxC)
            return v < 0 ? -r : r
        }
    }

    static func multiply(_ x: [Double], _ y: [Double], rows m: Int, inner s: Int, cols n: Int) -> [Double] {
        SmallLinearAlgebra.multiply(x, y, rows: m, inner: s, cols: n)
    }

    static func distance(_ x: [Double], _ y: [Double]) -> Double {
        var s = 0.0
        for i in x.indices {
            let d = x[i] - y[i]
            s += d * d
        }
        return s.squareRoot()
    }

    /// Decomposes the m0 x 3 block `a` (row-major) into Ce · B.
    public static func decompose(_ a: [Double], rows m: Int, options o: SmartDealOptions) -> Block {
        let s = 3
        let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        if a.allSatisfy({ $0 == 0 }) {
            return Block(ce: a, basis: identity, passes: 0, firstError: 0, finalError: 0)
        }
        var ce = a
        var previous: [Double] = []
        var firstError = 0.0
        var passes = 0
        var best: (q: [Double], basis: [Double], error: Double)?
        for i in 0..<max(0, o.iterations - 1) {
            let q = quantize(ce, maxC: o.maxC)
            if i > 0 && distance(q, previous) <= o.tolerance { break }
            let basis = SmallLinearAlgebra.leastSquares(q, a, rows: m, cols: s, rhs: s, rcond: o.rcond)
            if i == 0 || o.keepBest {
                let error = distance(multiply(q, basis, rows: m, inner: s, cols: s), a)
                if i == 0 { firstError = error }
                if o.keepBest && (best == nil || error < best!.error) { best = (q, basis, error) }
            }
            let pinvB = SmallLinearAlgebra.pseudoInverse(basis, rows: s, cols: s, rcond: o.rcond)
            ce = multiply(a, pinvB, rows: m, inner: s, cols: s)
            if o.threshold > 0 {
                if o.rowThreshold {
                    for r in 0..<m where abs(ce[r * 3]) + abs(ce[r * 3 + 1]) + abs(ce[r * 3 + 2]) < 5 * o.threshold {
                        ce[r * 3] = 0
                        ce[r * 3 + 1] = 0
                        ce[r * 3 + 2] = 0
                    }
                }
                for k in ce.indices where abs(ce[k]) < o.threshold { ce[k] = 0 }
            }
            previous = q
            passes += 1
        }
        let q = quantize(ce, maxC: o.maxC)
        let basis = SmallLinearAlgebra.leastSquares(q, a, rows: m, cols: s, rhs: s, rcond: 1e-10)
        let finalError = distance(multiply(q, basis, rows: m, inner: s, cols: s), a)
        if passes == 0 { firstError = finalError }
        if let best, best.error < finalError {
            return Block(ce: best.q, basis: best.basis, passes: passes, firstError: firstError, finalError: best.error)
        }
        return Block(ce: q, basis: basis, passes: passes, firstError: firstError, finalError: finalError)
    }
}
