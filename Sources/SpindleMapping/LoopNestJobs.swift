import SpindleCore
import SpindleHardware
import SpindleWorkload
import Synchronization

/// The counts of jobs on loop-nest tiles, by tile type and shape: a network repeats shapes across tiles,
/// samples and replicas, and each distinct one is mapped once.
final class LoopNestMemo: Sendable {
    struct Key: Hashable {
        var type: String
        var shape: ConvolutionShape
    }
    private let table = Mutex<[Key: LoopNestCounts]>([:])

    func counts(_ key: Key, _ make: () throws(SpindleError) -> LoopNestCounts) throws(SpindleError) -> LoopNestCounts {
        if let c = table.withLock({ $0[key] }) { return c }
        let c = try make()
        table.withLock { $0[key] = c }
        return c
    }
}

extension LayerJobBuilder {
    /// The convolution a job of `layer` runs on a loop-nest tile: the layer's own filters, strides and
    /// outputs in the forward pass, its matrix-product form (`gemm*`) in the backward ones; `nil` for
    /// element-wise work (updates).
    static func loopNestShape(_ j: TileJob, layer: Layer, share: Int, samples: Int, phase: Phase) -> ConvolutionShape? {
        guard j.macs > 0, j.gemmWindow > 0 else { return nil }
        if phase == .forward && layer.kind != .matmul {
            return ConvolutionShape(
                filterWidth: layer.kernelWidth, filterHeight: layer.kernelHeight, outputWidth: layer.outWidth,
                outputHeight: layer.outHeight, channels: max(layer.weightsPerFilter / max(layer.kernelArea, 1), 1), filters: share,
                samples: samples, strideWidth: layer.strideWidth, strideHeight: layer.strideHeight, dilationWidth: layer.dilationWidth,
                dilationHeight: layer.dilationHeight)
        }
        return .gemm(window: j.gemmWindow, filters: j.gemmFilters, pixels: j.gemmPixels)
    }

    /// Maps the job onto its loop-nest tile and sets what it counts and moves: its cycles and storage
    /// accesses, and its DRAM bytes scaled by how often the mapping fetches each operand (once for a
    /// mapping whose outer levels hold everything), with partial sums sent back down read again.
    func loopNest(_ j: inout TileJob, type: TileType, shape: ConvolutionShape, topology t: Topology) throws(SpindleError) {
        guard let h = type.hierarchy else { return }
        let counts = try memo.counts(LoopNestMemo.Key(type: type.name, shape: shape)) { () throws(SpindleError) in
            // The mapper prices DRAM per word as the cost model does.
            let prices = PriceTable(topology: t)
            let dram = CostModel.dramBytePJ(t, prices)
            return try h.counts(shape) { action in
                switch action {
                case .dramReadBits: dram.read / 8
                case .dramWriteBits: dram.write / 8
                default: prices.price(action) ?? 0
                }
            }
        }
        j.loopNest = counts
        let problem = shape.problem
        func size(_ d: ConvolutionShape.DataSpace) -> Double { problem.dataSpaces[d.rawValue].words(extents: problem.bounds) }
        func scaled(_ bytes: UInt64, _ words: UInt64, _ d: ConvolutionShape.DataSpace) -> UInt64 {
            UInt64((Double(bytes) * max(1, Double(words) / size(d))).rounded(.up))
        }
        let w = counts.dramWords
        let outputs = j.outputBytes
        j.weightBytes = scaled(j.weightBytes, w.weights, .weights)
        j.inputBytes =
            scaled(j.inputBytes, w.inputs, .inputs) + UInt64((Double(outputs) * Double(w.outputsRead) / size(.outputs)).rounded(.up))
        j.outputBytes = scaled(outputs, w.outputsWritten, .outputs)
    }
}
