import SpindleCore
import SpindleHardware
import SpindleWorkload

/// The first mapping rule: the batch is split evenly over the chips; on each chip every layer's output
/// channels are split evenly over all tiles, and each tile is served by its nearest DRAM channel.
///
/// Every tile working on a layer loads its share of the weights and the whole input of the chip's samples,
/// and writes back its share of the outputs. Layers run one after another.
public struct SimpleMapper: Sendable {
    public init() {}

    /// What SmartDeal tiles need to know of a compressed layer.
    public struct CompressedLayer: Sendable, Equatable {
        /// Bits of the compressed format (codes + bitmap + basis, or dense for layers left dense).
        public var storageBits: UInt64
        public var nonZeros: Int
        /// Ce rows, and those that are zero (their weight rows, and MACs, are skipped).
        public var rows: Int
        public var zeroRows: Int
        /// Whether zero rows remove MACs (k x k convolutions, where a Ce row is a kernel row).
        public var skipsMACs: Bool

        public init(storageBits: UInt64, nonZeros: Int, rows: Int, zeroRows: Int, skipsMACs: Bool) {
            self.storageBits = storageBits
            self.nonZeros = nonZeros
            self.rows = rows
            self.zeroRows = zeroRows
            self.skipsMACs = skipsMACs
        }

        /// Shifts and adds to rebuild every weight row: 3 shifts per non-zero, 3 adds per non-zero beyond
        /// the first of each non-zero row (S = 3).
        public var rebuildOps: UInt64 { UInt64(3 * nonZeros + 3 * max(0, nonZeros - (rows - zeroRows))) }
    }

    /// A mapped layer's totals over all chips, for the mapping table.
    public struct LayerPlacement: Sendable, Equatable {
        public var layer: String
        public var tilesUsed: Int
        public var weightBytes: UInt64
        public var inputBytes: UInt64
        public var outputBytes: UInt64
        public var macs: UInt64
        /// Analytic latency estimate: the busiest DRAM channel's transfer time plus the longest compute.
        public var predictedPs: Picoseconds
    }

    /// Maps `network` at `batch` samples onto `topology`.
    /// With `compressed` (by layer name), SmartDeal tiles receive the compressed format, rebuild weights and
    /// skip zero Ce rows; other tiles receive dense weights.
    public func map(
        _ network: Network, batch: Int, on topology: Topology, compressed: [String: CompressedLayer] = [:]
    ) throws(SpindleError) -> (Schedule, [LayerPlacement]) {
        guard batch >= 1 else { throw SpindleError(.invalidValue, "batch must be at least 1 (got \(batch))") }
        guard !topology.tiles.isEmpty else { throw SpindleError(.invalidValue, "topology '\(topology.name)' has no tiles to compute on") }
        guard !topology.dram.isEmpty else { throw SpindleError(.invalidValue, "topology '\(topology.name)' has no DRAM channel") }
        let chips = topology.chips
        let samples = (0..<chips).map { c in batch / chips + (c < batch % chips ? 1 : 0) }
        let nearest = topology.tiles.map { tile in
            topology.dram.indices.min { a, b in
                let da = topology.dram[a].at.distance(to: tile.at), db = topology.dram[b].at.distance(to: tile.at)
                return da != db ? da < db : a < b
            }!
        }
        var chipSteps: [[LayerStep]] = Array(repeating: [], count: chips)
        var placements: [LayerPlacement] = []
        for layer in network.layers {
            var total = LayerPlacement(layer: layer.name, tilesUsed: 0, weightBytes: 0, inputBytes: 0, outputBytes: 0, macs: 0, predictedPs: 0)
            for c in 0..<chips where samples[c] > 0 {
                let n = UInt64(samples[c])
                let tiles = topology.tiles.count
                var jobs: [TileJob] = []
                var channelBytes = [UInt64](repeating: 0, count: topology.dram.count)
                var longestCompute: Picoseconds = 0
                for (i, tile) in topology.tiles.enumerated() {
                    let share = layer.outChannels / tiles + (i < layer.outChannels % tiles ? 1 : 0)
                    guard share > 0 else { continue }
                    let fraction = Double(share) / Double(layer.outChannels)
                    // A matmul repeats over its heads: its second operand and outputs exist once per head.
                    let heads = layer.kind == .matmul ? max(layer.groups, 1) : 1
                    var weights = (UInt64(share * layer.weightsPerFilter * heads) * UInt64(layer.weightBits) + 7) / 8
                    let outputs = (UInt64(share * layer.outHeight * layer.outWidth * heads) * UInt64(layer.activationBits) + 7) / 8 * n
                    var macs = UInt64((Double(layer.macsPerSample) * fraction).rounded()) * n
                    var rebuild: UInt64 = 0
                    if tile.type.kind == .smartdeal, let c = compressed[layer.name] {
                        weights = UInt64((Double(c.storageBits) * fraction / 8).rounded(.up))
                        rebuild = UInt64((Double(c.rebuildOps) * fraction).rounded())
                        if c.skipsMACs && c.rows > 0 {
                            macs = UInt64((Double(macs) * Double(c.rows - c.zeroRows) / Double(c.rows)).rounded())
                        }
                    }
                    let inputs = layer.inputBytesPerSample * n
                    guard weights + inputs <= tile.type.bufferBytes else {
                        throw SpindleError(
                            .capacity,
                            "layer '\(layer.name)' needs \(Units.formatBytes(weights + inputs)) of weights and inputs in tile \(i) (\(tile.type.name)), whose buffer holds \(Units.formatBytes(tile.type.bufferBytes)): short by \(Units.formatBytes(weights + inputs - tile.type.bufferBytes))",
                            hint: "Use a smaller batch, more tiles, or tiles with larger buffers")
                    }
                    var job = TileJob(
                        tile: i, dramChannel: nearest[i], weightBytes: weights, inputBytes: inputs, outputBytes: outputs, macs: macs,
                        rebuildOps: rebuild)
                    job.gemmWindow = layer.weightsPerFilter
                    job.gemmFilters = share
                    job.gemmPixels = layer.outHeight * layer.outWidth * heads * Int(n)
                    jobs.append(job)
                    channelBytes[nearest[i]] += weights + inputs + outputs
                    let gemm = (layer.weightsPerFilter, share, layer.outHeight * layer.outWidth * heads * Int(n))
                    longestCompute = max(
                        longestCompute, tile.type.work(macs: macs, weightBytes: weights, rebuildOps: rebuild, gemm: gemm).durationPs)
                    total.weightBytes += weights
                    total.inputBytes += inputs
                    total.outputBytes += outputs
                    total.macs += macs
                }
                total.tilesUsed = max(total.tilesUsed, jobs.count)
                let dramPs = topology.dram.indices.map { Units.transferPs(bytes: channelBytes[$0], gbPerSecond: topology.dram[$0].bandwidthGBps) }.max() ?? 0
                total.predictedPs = max(total.predictedPs, dramPs + longestCompute + (topology.dram.first?.latencyPs ?? 0))
                chipSteps[c].append(LayerStep(name: layer.name, jobs: jobs))
            }
            placements.append(total)
        }
        return (Schedule(chips: chipSteps), placements)
    }
}
