import SpindleCore
import SpindleHardware
import SpindleWorkload

/// How one chip's tiles share the layers of its stage: filters per tile and, on spin-crossbar tiles,
/// crossbars per layer (its footprint times its copies).
struct ChipLayout: Sendable {
    let topology: Topology
    /// The DRAM channel nearest to each tile.
    let nearest: [Int]
    /// `shares[layer][tile]`: output channels of the layer the tile holds.
    var shares: [Int: [Int]] = [:]
    /// `crossbars[layer][tile]`: crossbars the layer's share uses on the tile, copies included.
    var crossbars: [Int: [Int]] = [:]
    /// Crossbars each tile needs for one copy of its shares (its footprint), per tile.
    var footprint: [Int] = []
    /// Whether crossbar weights stay in place for the whole run.
    var resident = false

    init(topology: Topology) {
        self.topology = topology
        nearest = topology.tiles.map { tile in
            topology.dram.indices.min { a, b in
                let da = topology.dram[a].at.distance(to: tile.at), db = topology.dram[b].at.distance(to: tile.at)
                return da != db ? da < db : a < b
            }!
        }
    }

    /// The crossbar of the chip's crossbar tiles, when every tile is one.
    var crossbarOnly: CrossbarSpec? {
        guard let first = topology.tiles.first?.type.crossbar, topology.tiles.allSatisfy({ $0.type.crossbar == first }) else { return nil }
        return first
    }

    /// Rows a filter occupies on a crossbar, and the crossbar as the layer's stored weights see it.
    static func crossbarShape(_ layer: Layer, _ x: CrossbarSpec, _ c: WeightEncoding?) -> (rows: Int, crossbar: CrossbarSpec) {
        var x = x
        if let c, c.crossbarWeightBits > 0 { x.weightBits = c.crossbarWeightBits }
        let rows = max(1, Int((Double(layer.weightsPerFilter) * (c?.crossbarRowFraction ?? 1)).rounded(.up)))
        return (rows, x)
    }

    /// Splits each layer's filters over the tiles (crossbar-only chips: in blocks of one crossbar's
    /// weights per row, rotating the first tile so that small layers land on different tiles), then gives
    /// spare crossbars extra copies of the layers that need the most MVMs per crossbar.
    mutating func place(_ layers: [(index: Int, layer: Layer)], samples: Int, encodings: [String: WeightEncoding], reload: Bool) {
        let t = topology.tiles.count
        var rotate = 0
        footprint = [Int](repeating: 0, count: t)
        let only = crossbarOnly
        for (index, layer) in layers {
            var share = [Int](repeating: 0, count: t)
            if let x = only {
                let (_, xc) = Self.crossbarShape(layer, x, encodings[layer.name])
                let block = xc.logicalColumns
                let blocks = (layer.outChannels + block - 1) / block
                for b in 0..<blocks {
                    let tile = (rotate + b % t) % t
                    share[tile] += min(block, layer.outChannels - b * block)
                }
                rotate = (rotate + blocks) % t
            } else {
                for i in 0..<t { share[i] = layer.outChannels / t + (i < layer.outChannels % t ? 1 : 0) }
            }
            shares[index] = share
            var used = [Int](repeating: 0, count: t)
            for i in 0..<t where share[i] > 0 {
                guard let x = topology.tiles[i].type.crossbar else { continue }
                let (rows, xc) = Self.crossbarShape(layer, x, encodings[layer.name])
                used[i] = TileType.crossbarTiles(window: rows, filters: share[i], crossbar: xc)
                footprint[i] += used[i]
            }
            crossbars[index] = used
        }
        resident = !reload && footprint.enumerated().allSatisfy { i, f in f <= topology.tiles[i].type.crossbars }
        guard resident else { return }
        // Copies for throughput: each tile's spare crossbars go, one copy at a time, to the layer whose
        // MVMs per crossbar are the largest, while a copy fits.
        for i in 0..<t where topology.tiles[i].type.crossbar != nil {
            var spare = topology.tiles[i].type.crossbars - footprint[i]
            let base = layers.map { crossbars[$0.index]![i] }
            var copies = base.map { $0 > 0 ? 1 : 0 }
            let work = layers.map { Double($0.layer.outHeight * $0.layer.outWidth * max(samples, 1)) }
            while true {
                var best = -1
                var bestLoad = 0.0
                for k in layers.indices where base[k] > 0 && base[k] <= spare {
                    let load = work[k] / Double(copies[k])
                    if load > bestLoad {
                        best = k
                        bestLoad = load
                    }
                }
                guard best >= 0 else { break }
                copies[best] += 1
                spare -= base[best]
            }
            for (k, l) in layers.enumerated() { crossbars[l.index]![i] = base[k] * copies[k] }
        }
    }
}
