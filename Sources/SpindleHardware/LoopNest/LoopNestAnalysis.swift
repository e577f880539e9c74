import SpindleCore

/// What a mapping costs on a storage hierarchy: per level and data space, the words each instance reads,
/// is filled with and is updated with, the cycles, and the energy of each level by its actions.
public struct LoopNestResult: Sendable, Equatable, Codable {
    public struct DataSpaceStats: Sendable, Equatable, Codable {
        public var name: String
        /// Words of the data space one instance holds at a time (its tile).
        public var tileWords: Double
        public var reads: Double
        public var fills: Double
        public var updates: Double
        /// Energy of these accesses on all utilized instances (pJ).
        public var energyPJ: Double
    }
    public struct Level: Sendable, Equatable, Codable {
        public var name: String
        public var instances: Int
        public var utilizedInstances: Int
        /// Per data space the level keeps (counts per instance).
        public var dataSpaces: [DataSpaceStats]
        public var leakPJ: Double
        /// Accesses and leakage, all instances (pJ).
        public var energyPJ: Double
        /// Vector reads, writes (fills) and updates over all utilized instances: what the energy prices.
        public var readVectors: Double = 0, fillVectors: Double = 0, updateVectors: Double = 0
        /// Instances x cycles: what leakage is priced per.
        public var leakInstanceCycles: Double = 0
    }
    public var computes: Double
    public var utilizedComputeUnits: Int
    public var cycles: Double
    public var computeEnergyPJ: Double
    /// Outermost first.
    public var levels: [Level]
    public var energyPJ: Double
    public var energySource: String?
}

/// Counts a mapping's accesses level by level, as Timeloop's model does for dense tensors.
///
/// Each level holds, per instance, the tile its own and inner loops span: per data-space axis, the span of
/// the sum of its dimensions (an input row of `P + R` spans P + R - 1 rows), a box. A level is filled each
/// time the loops outside it move its tile: the first tile, then for every step of the loop right outside
/// it the part of the new tile the previous one did not hold (a sliding window refills only its new rows),
/// and for every step of a loop further out nothing if the tile stays, else a whole tile.
/// A level reads what its nearest inner keeping level is filled with, once per word for all the instances
/// its spatial loops fan out to (multicast); the innermost keeping level is read once per compute.
/// Partial sums (read-write data spaces): a level is updated with what its child drains (every compute, for
/// the innermost), refills its child with the partial sums it returns to (arrivals beyond each word's first),
/// and the innermost level reads a partial sum before each update except a word's first.
/// Cycles are the temporal iterations (no bandwidth limits); energy is, per instance and data space,
/// vector reads, writes and updates (words / block, rounded up) times the action energies, plus leakage.
public enum LoopNestAnalysis {
    struct FlatLoop {
        var level: Int, dimension: Int, bound: Int, spatial: Bool
    }

    public static func analyse(_ problem: LoopNestProblem, _ arch: LoopNestArchitecture, _ mapping: LoopNestMapping) throws(SpindleError)
        -> LoopNestResult
    {
        let n = arch.storage.count
        guard mapping.loops.count == n, mapping.keeps.count == n else {
            throw SpindleError(.invalidValue, "the mapping covers \(mapping.loops.count) levels of \(n)")
        }
        let dims = problem.dimensions.count
        var flat: [FlatLoop] = []
        for (i, loops) in mapping.loops.enumerated() {
            for l in loops.filter({ !$0.spatial }) + loops.filter(\.spatial) {
                guard (0..<dims).contains(l.dimension), l.bound >= 1 else {
                    throw SpindleError(
                        .invalidValue, "a loop of level '\(arch.storage[i].name)' has dimension \(l.dimension), bound \(l.bound)")
                }
                flat.append(FlatLoop(level: i, dimension: l.dimension, bound: l.bound, spatial: l.spatial))
            }
        }
        // Each dimension's factors multiply to its bound.
        for d in 0..<dims {
            let product = flat.filter { $0.dimension == d }.reduce(1.0) { $0 * Double($1.bound) }
            guard product == Double(problem.bounds[d]) else {
                throw SpindleError(
                    .invalidValue, "the mapping's factors of \(problem.dimensions[d]) multiply to \(product), not \(problem.bounds[d])",
                    expected: "factors whose product over all levels is the problem's bound")
            }
        }
        // Tiles are boxes: a dimension split across instances at one level is not iterated in time below it
        // (the instances' union would have holes that a time step slides into).
        for d in 0..<dims {
            guard let spatial = flat.filter({ $0.dimension == d && $0.spatial && $0.bound > 1 }).map(\.level).min(),
                let temporal = flat.first(where: { $0.dimension == d && !$0.spatial && $0.bound > 1 && $0.level > spatial })
            else { continue }
            throw SpindleError(
                .invalidValue,
                "the mapping splits \(problem.dimensions[d]) across the instances below '\(arch.storage[spatial].name)' and iterates it in time below, at '\(arch.storage[temporal.level].name)'",
                expected: "a dimension's temporal loops above (or at) the level that splits it across instances",
                hint: "Such interleaved tiles are not modelled")
        }
        // Stride of each loop in its dimension's index: the bounds of the same dimension's loops inside it.
        var stride = [Int](repeating: 1, count: flat.count)
        for k in flat.indices {
            stride[k] = flat[(k + 1)...].filter { $0.dimension == flat[k].dimension }.reduce(1) { $0 * $1.bound }
        }
        let temporalAll = flat.indices.filter { !flat[$0].spatial }
        let iterations = temporalAll.reduce(1.0) { $0 * Double(flat[$1].bound) }
        let spatialAll = flat.indices.filter { flat[$0].spatial }.reduce(1) { $0 * flat[$1].bound }

        /// The span of each of the data space's axes when the loops `tile` span the dimensions.
        func axisExtents(_ ds: LoopNestProblem.DataSpace, _ tile: [Int]) -> [Int] {
            var extent = [Int](repeating: 1, count: dims)
            for k in tile { extent[flat[k].dimension] *= flat[k].bound }
            return ds.axes.map { axis in axis.reduce(1) { $0 + $1.coefficient * (extent[$1.dimension] - 1) } }
        }
        /// Volume of the data space's box when the loops `tile` span it.
        func volume(_ ds: LoopNestProblem.DataSpace, _ tile: [Int]) -> Double { axisExtents(ds, tile).reduce(1.0) { $0 * Double($1) } }
        /// Words brought in as the temporal loops `outer` (outermost first) move the box `tile` spans.
        func arrivals(_ ds: LoopNestProblem.DataSpace, tile: [Int], outer: [Int]) -> Double {
            let axisExtent = axisExtents(ds, tile)
            let v = axisExtent.reduce(1.0) { $0 * Double($1) }
            var total = v
            var before = 1.0
            // Only the loop right outside the tile slides it (keeping the overlap); a step of a loop further
            // out either leaves the tile where it was or brings a whole new one, as Timeloop counts.
            let sliding = outer.last { flat[$0].bound > 1 }
            for (position, j) in outer.enumerated() {
                defer { before *= Double(flat[j].bound) }
                guard flat[j].bound > 1 else { continue }
                // Loop j steps once; the outer loops inside it return from their last index to 0.
                var shift = [Int](repeating: 0, count: dims)
                shift[flat[j].dimension] += stride[j]
                for l in outer[(position + 1)...] { shift[flat[l].dimension] -= (flat[l].bound - 1) * stride[l] }
                var overlap = 1.0
                for (a, axis) in ds.axes.enumerated() {
                    let moved = axis.reduce(0) { $0 + $1.coefficient * shift[$1.dimension] }
                    overlap *= j == sliding ? Double(max(0, axisExtent[a] - abs(moved))) : (moved == 0 ? Double(axisExtent[a]) : 0)
                }
                total += Double(flat[j].bound - 1) * before * (v - overlap)
            }
            return total
        }

        var levels: [LoopNestResult.Level] = []
        for i in 0..<n {
            let store = arch.storage[i]
            let inside = flat.indices.filter { flat[$0].level >= i }
            let outerTemporal = flat.indices.filter { flat[$0].level < i && !flat[$0].spatial }
            let utilized = flat.indices.filter { flat[$0].level < i && flat[$0].spatial }.reduce(1) { $0 * flat[$1].bound }
            // Computes under one instance of this level.
            let computesHere = iterations * Double(inside.filter { flat[$0].spatial }.reduce(1) { $0 * flat[$1].bound })
            var stats: [LoopNestResult.DataSpaceStats] = []
            var energy = 0.0
            var vectorCounts = (reads: 0.0, fills: 0.0, updates: 0.0)
            for (d, ds) in problem.dataSpaces.enumerated() where mapping.keeps[i][d] {
                let parent = (0..<i).last { mapping.keeps[$0][d] }
                let child = ((i + 1)..<n).first { mapping.keeps[$0][d] }
                let own = arrivals(ds, tile: inside, outer: outerTemporal)
                let distinct = volume(ds, inside + outerTemporal)
                // The child's union over the spatial loops between here and it, moved by the loops outside it.
                let reads: Double, fills: Double, updates: Double
                if let c = child {
                    let union = flat.indices.filter { flat[$0].level >= c || (flat[$0].level >= i && flat[$0].spatial) }
                    let outerOfChild = flat.indices.filter { flat[$0].level < c && !flat[$0].spatial }
                    let delivered = arrivals(ds, tile: union, outer: outerOfChild)
                    if ds.readWrite {
                        updates = delivered
                        fills = parent == nil ? 0 : own - distinct
                        reads = delivered - volume(ds, union + outerOfChild)
                    } else {
                        updates = 0
                        fills = parent == nil ? 0 : own
                        reads = delivered
                    }
                } else {
                    // The compute units read (and update) the innermost keeping level once per compute.
                    if ds.readWrite {
                        updates = computesHere
                        fills = parent == nil ? 0 : own - distinct
                        reads = updates - (own - fills)
                    } else {
                        updates = 0
                        fills = parent == nil ? 0 : own
                        reads = computesHere
                    }
                }
                let block = Double(max(store.blockWords, 1))
                func vectors(_ words: Double) -> Double { (words / block).rounded(.up) }
                let e =
                    (vectors(reads) * store.readPJ + vectors(fills) * store.writePJ + vectors(updates) * store.updatePJ) * Double(utilized)
                energy += e
                vectorCounts.reads += vectors(reads) * Double(utilized)
                vectorCounts.fills += vectors(fills) * Double(utilized)
                vectorCounts.updates += vectors(updates) * Double(utilized)
                stats.append(
                    LoopNestResult.DataSpaceStats(
                        name: ds.name, tileWords: volume(ds, inside), reads: reads, fills: fills, updates: updates, energyPJ: e))
            }
            let leak = store.leakPJ * iterations * Double(store.instances)
            levels.append(
                LoopNestResult.Level(
                    name: store.name, instances: store.instances, utilizedInstances: utilized, dataSpaces: stats, leakPJ: leak,
                    energyPJ: energy + leak, readVectors: vectorCounts.reads, fillVectors: vectorCounts.fills,
                    updateVectors: vectorCounts.updates, leakInstanceCycles: iterations * Double(store.instances)))
        }
        let computeEnergy = problem.operations * arch.computePJ
        return LoopNestResult(
            computes: problem.operations, utilizedComputeUnits: spatialAll, cycles: iterations, computeEnergyPJ: computeEnergy,
            levels: levels, energyPJ: computeEnergy + levels.reduce(0) { $0 + $1.energyPJ }, energySource: arch.energySource)
    }
}
