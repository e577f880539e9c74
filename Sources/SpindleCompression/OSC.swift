import Dispatch
import Foundation
import SpindleCore
import SpindleWorkload

/// Settings of one-step compression (OSC), as Spindle defines it (Docs/compression.md).
public struct OSCOptions: Sendable, Equatable {
    public enum Quantizer: String, Sendable, CaseIterable { case pow2, levels }
    public enum Scale: String, Sendable, CaseIterable {
        case layer
        case outChannel = "out_channel"
    }
    public enum Index: String, Sendable, CaseIterable { case bitmap, position, auto }
    /// Fraction of weights kept per kernel, 0 < keep <= 1.
    public var keep: Double = 2.0 / 9.0
    public var quantizer: Quantizer = .pow2
    /// Magnitude bits m: 2^m exponents (pow2) or 2^m - 1 levels.
    public var magnitudeBits: Int = 4
    public var scale: Scale = .layer
    /// Pseudo-kernel size for 1x1 and linear layers.
    public var group: Int = 9
    public var index: Index = .auto
    /// Filters are spread over this many threads (results do not depend on it).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    public init() {}
}

/// OSC: per kernel, sort by magnitude, keep the top K, quantise; one pass, no iterations.
public enum OSCCompressor {
    /// K for a kernel of n weights: ceil(keep·n - 1e-9), clamped to [1, n].
    public static func kept(_ keep: Double, n: Int) -> Int { min(n, max(1, Int((keep * Double(n) - 1e-9).rounded(.up)))) }

    /// Compresses one layer. Returns the layer report, the reconstruction, and the tensors to store.
    public static func compress(_ tensor: Tensor, shape: WeightShape, options o: OSCOptions, keepTensors: Bool = false)
        -> (layer: LayerCompression, reconstruction: [Float], tensors: [NamedTensor])
    {
        let clock = ContinuousClock.now
        let w = tensor.floats
        let cout = shape.outChannels
        let perFilter = shape.count / cout
        let pointwise = shape.isPointwise
        let n = pointwise ? o.group : shape.kernelHeight * shape.kernelWidth
        let kernelsPerFilter = pointwise ? (perFilter + o.group - 1) / o.group : perFilter / n
        let kNominal = kept(o.keep, n: n)
        let m = o.magnitudeBits
        // Scale groups: the layer or each output channel; M = max |w| over the group.
        let groups = o.scale == .layer ? 1 : cout
        var maxAbs = [Float](repeating: 0, count: groups)
        for f in 0..<cout {
            let g = o.scale == .layer ? 0 : f
            for i in 0..<perFilter { maxAbs[g] = max(maxAbs[g], abs(w[f * perFilter + i])) }
        }
        let scaleMax = maxAbs
        var recon = [Float](repeating: 0, count: w.count)
        var mask = [UInt8](repeating: 0, count: w.count)
        // Per-filter tallies, merged in filter order afterwards (deterministic for any thread count).
        var stats = [FilterStats](repeating: FilterStats(histogram: [Int](repeating: 0, count: n + 1)), count: cout)
        let threads = max(1, min(o.threads, cout))
        recon.withUnsafeMutableBufferPointer { reconBuf in
            mask.withUnsafeMutableBufferPointer { maskBuf in
                stats.withUnsafeMutableBufferPointer { statsBuf in
                    // Safe to share: filter f writes only its own slice of recon and mask and its own stats entry.
                    nonisolated(unsafe) let r = reconBuf, mk = maskBuf, st = statsBuf
                    DispatchQueue.concurrentPerform(iterations: threads) { t in
                        var order = [Int](repeating: 0, count: n)
                        var f = t
                        while f < cout {
                            let g = o.scale == .layer ? 0 : f
                            st[f] = compressFilter(
                                f, w: w, perFilter: perFilter, n: n, kernelsPerFilter: kernelsPerFilter, pointwise: pointwise,
                                kNominal: kNominal, maxAbs: Double(scaleMax[g]), options: o, recon: r, mask: mk, order: &order)
                            f += threads
                        }
                    }
                }
            }
        }
        var codes = 0, indexBits: UInt64 = 0, nonZeros = 0, zeroKernels = 0
        var histogram = [Int](repeating: 0, count: n + 1)
        for s in stats {
            codes += s.codes
            indexBits += s.indexBits
            nonZeros += s.nonZeros
            zeroKernels += s.zeroKernels
            for i in 0...n { histogram[i] += s.histogram[i] }
        }
        let kernels = cout * kernelsPerFilter
        let layer = LayerCompression(
            name: shape.name, shape: shape.dims, method: "osc", parameters: shape.count, nonZeros: nonZeros,
            bits: ["codes": UInt64(codes) * UInt64(m + 1), "index": indexBits, "scale": UInt64(groups) * 32],
            relativeError: relativeError(w, recon), wallSeconds: clock.secondsSince,
            structure: LayerStructure(
                rows: kernels, zeroRows: zeroKernels, zeroRowsPerGroup: [], nonZerosPerRow: histogram, codeBits: m + 1,
                keptPerKernel: kNominal),
            passes: 0, operations: UInt64(kernels) * UInt64(n * max(1, bitsFor(n)) + 2 * n))
        var tensors: [NamedTensor] = []
        if keepTensors {
            tensors = [
                NamedTensor(shape.name + ".values", Tensor(shape: shape.dims, floats: recon)),
                NamedTensor(shape.name + ".mask", try! Tensor(dtype: .int8, shape: shape.dims, bytes: mask)),
            ]
        }
        return (layer, recon, tensors)
    }

    struct FilterStats: Sendable {
        var codes = 0
        var indexBits: UInt64 = 0
        var nonZeros = 0
        var zeroKernels = 0
        var histogram: [Int]
    }

    /// Compresses the kernels of output filter `f`, writing its slice of `recon` and `mask`.
    static func compressFilter(
        _ f: Int, w: [Float], perFilter: Int, n: Int, kernelsPerFilter: Int, pointwise: Bool, kNominal: Int, maxAbs big: Double,
        options o: OSCOptions, recon: UnsafeMutableBufferPointer<Float>, mask: UnsafeMutableBufferPointer<UInt8>, order: inout [Int]
    ) -> FilterStats {
        var st = FilterStats(histogram: [Int](repeating: 0, count: n + 1))
        let m = o.magnitudeBits
        let positionBits = max(1, bitsFor(n))
        let eTop = big > 0 ? Pow2.exponent(big, ties: .down) : 0
        let levels = Double((1 << m) - 1)
        let delta = big / levels
        for kIndex in 0..<kernelsPerFilter {
            let base = f * perFilter + kIndex * n
            let real = pointwise ? min(n, perFilter - kIndex * n) : n
            // Insertion sort of the real positions by descending magnitude, ties to the lower index (stable).
            for i in 0..<real {
                let mi = abs(w[base + i])
                var j = i
                while j > 0 && abs(w[base + order[j - 1]]) < mi {
                    order[j] = order[j - 1]
                    j -= 1
                }
                order[j] = i
            }
            let k = min(kNominal, real)
            var kernelNonZeros = 0
            for slot in 0..<k {
                let i = order[slot]
                let v = Double(w[base + i])
                mask[base + i] = 1
                guard v != 0 else { continue }
                let q: Double
                switch o.quantizer {
                case .pow2:
                    let e = min(eTop, max(eTop - (1 << m) + 1, Pow2.exponent(abs(v), ties: .down)))
                    q = Double(sign: v < 0 ? .minus : .plus, exponent: e, significand: 1)
                case .levels:
                    let steps = min(levels, max(1, (abs(v) / delta + 0.5).rounded(.down)))
                    q = (v < 0 ? -1 : 1) * delta * steps
                }
                recon[base + i] = Float(q)
                kernelNonZeros += 1
            }
            st.codes += k
            st.nonZeros += kernelNonZeros
            st.histogram[kernelNonZeros] += 1
            if kernelNonZeros == 0 { st.zeroKernels += 1 }
            switch o.index {
            case .bitmap: st.indexBits += UInt64(n)
            case .position: st.indexBits += UInt64(k * positionBits)
            case .auto: st.indexBits += UInt64(min(n, k * positionBits))
            }
        }
        return st
    }

    /// ceil(log2 n) for n >= 1.
    static func bitsFor(_ n: Int) -> Int {
        var b = 0
        while (1 << b) < n { b += 1 }
        return b
    }
}

/// Baselines: dense storage, and magnitude pruning with uniform quantisation.
public enum BaselineCompressor {
    /// Dense storage at `dtype` (int8 with one symmetric per-layer scale).
    public static func dense(_ tensor: Tensor, shape: WeightShape, dtype: DType, keepTensors: Bool = false)
        -> (layer: LayerCompression, tensors: [NamedTensor])
    {
        let clock = ContinuousClock.now
        let w = tensor.floats
        var recon: [Float]
        var stored: Tensor
        var bits: [String: UInt64] = [:]
        switch dtype {
        case .int8:
            let big = w.reduce(Float(0)) { max($0, abs($1)) }
            let delta = big > 0 ? big / 127 : 1
            recon = w.map { (max(-127, min(127, ($0 / delta).rounded()))) * delta }
            stored = Tensor(shape: shape.dims, floats: w.map { max(-127, min(127, ($0 / delta).rounded())) }).converted(to: .int8)
            bits = ["codes": UInt64(w.count) * 8, "scale": 32]
        default:
            stored = tensor.converted(to: dtype)
            recon = stored.floats
            bits = ["codes": UInt64(w.count) * UInt64(dtype.size * 8)]
        }
        let layer = LayerCompression(
            name: shape.name, shape: shape.dims, method: "dense-\(dtype.rawValue)", parameters: shape.count,
            nonZeros: w.count, bits: bits, relativeError: relativeError(w, recon), wallSeconds: clock.secondsSince,
            structure: LayerStructure(
                rows: 0, zeroRows: 0, zeroRowsPerGroup: [], nonZerosPerRow: [], codeBits: dtype.size * 8, keptPerKernel: 0),
            passes: 0, operations: UInt64(w.count))
        return (layer, keepTensors ? [NamedTensor(shape.name, stored)] : [])
    }

    /// Keeps the `keep` fraction of largest-magnitude weights of the layer and quantises them uniformly to
    /// `bits` bits (sign included) with one scale; a bitmap marks the survivors.
    public static func pruneQuant(_ tensor: Tensor, shape: WeightShape, keep: Double, bits b: Int, keepTensors: Bool = false)
        -> (layer: LayerCompression, tensors: [NamedTensor])
    {
        let clock = ContinuousClock.now
        let w = tensor.floats
        let k = min(w.count, max(0, Int((keep * Double(w.count) - 1e-9).rounded(.up))))
        let order = w.indices.sorted { abs(w[$0]) != abs(w[$1]) ? abs(w[$0]) > abs(w[$1]) : $0 < $1 }
        let big = order.first.map { abs(w[$0]) } ?? 0
        let levels = Float((1 << (b - 1)) - 1)
        let delta = big > 0 ? big / levels : 1
        var recon = [Float](repeating: 0, count: w.count)
        var mask = [UInt8](repeating: 0, count: w.count)
        for i in order.prefix(k) {
            recon[i] = max(-levels, min(levels, (w[i] / delta).rounded())) * delta
            mask[i] = 1
        }
        let layer = LayerCompression(
            name: shape.name, shape: shape.dims, method: "prune-quant", parameters: shape.count, nonZeros: k,
            bits: ["codes": UInt64(k) * UInt64(b), "index": UInt64(w.count), "scale": 32],
            relativeError: relativeError(w, recon), wallSeconds: clock.secondsSince,
            structure: LayerStructure(rows: 0, zeroRows: 0, zeroRowsPerGroup: [], nonZerosPerRow: [], codeBits: b, keptPerKernel: 0),
            passes: 0, operations: UInt64(w.count) * UInt64(max(1, OSCCompressor.bitsFor(w.count))))
        var tensors: [NamedTensor] = []
        if keepTensors {
            tensors = [
                NamedTensor(shape.name + ".values", Tensor(shape: shape.dims, floats: recon)),
                NamedTensor(shape.name + ".mask", try! Tensor(dtype: .int8, shape: shape.dims, bytes: mask)),
            ]
        }
        return (layer, tensors)
    }
}
