import SpindleCore

/// Finds a mapping of a convolution onto a storage hierarchy for a dataflow.
///
/// The dataflow fixes three things (`LoopNestDataflow`): the dimensions each fan-out splits (the largest
/// divisor of what is left that fits the fan-out, first choice first), the dimensions the innermost level may
/// loop over, and every level's loop order. The tiling is then searched. First each level, from the innermost
/// out, takes prime factors of what is left, dimension by dimension in the order the dataflow runs them
/// (innermost first), while its tile fits its capacity; a second start keeps every loop at the outermost level.
/// From each start, the move of one prime factor of one dimension (or all of its factor at a level) from one
/// level to another that lowers the energy most (as `LoopNestAnalysis` prices it) is taken, while every tile
/// fits, until no move lowers it; the better of the two is kept. The search is deterministic: ties keep the
/// first move in (dimension, from, factor, to) order. A level's `LoopNestConstraints` (a design's own
/// dataflow) replace the dataflow's fan-out splits and loops at that level where given, and a dimension split
/// across instances is never iterated in time below the split (tiles stay boxes).
public enum LoopNestMapper {
    /// The mapping of `shape` on `arch` (outermost level first, instances non-decreasing, prices set) that
    /// keeps `keeps[level][dataSpace]`.
    public static func map(
        _ shape: ConvolutionShape, on arch: LoopNestArchitecture, keeps: [[Bool]], dataflow: LoopNestDataflow,
        constraints: [LoopNestConstraints] = []
    ) throws(SpindleError) -> LoopNestMapping {
        let problem = shape.problem
        let levels = arch.storage.count
        let dims = problem.dimensions.count
        let constraint = (0..<levels).map { $0 < constraints.count ? constraints[$0] : LoopNestConstraints() }
        var spatial = [[Int]](repeating: [Int](repeating: 1, count: dims), count: levels)
        // The spatial loops of each level, outermost first (one group per fan-out).
        var spatialOrder = [[(dimension: Int, bound: Int)]](repeating: [], count: levels)
        var left = problem.bounds
        for i in 0..<levels {
            let child = i + 1 < levels ? arch.storage[i + 1].instances : arch.computeInstances
            let fanouts =
                constraint[i].fanouts.isEmpty
                ? [LoopNestConstraints.Fanout(size: max(child / max(arch.storage[i].instances, 1), 1), dimensions: nil)]
                : constraint[i].fanouts
            for group in fanouts {
                var fan = group.size
                for d in group.dimensions ?? dataflow.spatialDimensions where fan > 1 && left[d] > 1 {
                    let f = largestDivisor(of: left[d], atMost: fan)
                    guard f > 1 else { continue }
                    spatial[i][d] *= f
                    spatialOrder[i].append((d, f))
                    left[d] /= f
                    fan /= f
                }
            }
        }
        /// Each level's temporal loop order, outermost first: its constraint's, else the dataflow's (DRAM runs
        /// every dimension).
        let order = (0..<levels).map { i in
            let own = constraint[i].temporal ?? dataflow.loopOrder
            return i == 0 ? own + dataflow.loopOrder.filter { !own.contains($0) } : own
        }
        // A dimension split across instances is iterated in time only at or above the level that splits it
        // (`LoopNestAnalysis` counts boxes).
        let splitAt = (0..<dims).map { d in (0..<levels).filter { spatial[$0][d] > 1 }.min() ?? levels }
        func allowed(_ d: Int, at level: Int) -> Bool {
            guard level > 0 else { return true }
            guard level <= splitAt[d] else { return false }
            if let own = constraint[level].temporal { return own.contains(d) }
            return level < levels - 1 || dataflow.innermostDimensions.contains(d)
        }
        var temporal = [[Int]](repeating: [Int](repeating: 1, count: dims), count: levels)
        temporal[0] = left
        func mapping(_ t: [[Int]]) -> LoopNestMapping {
            let loops = (0..<levels).map { i in
                order[i].filter { t[i][$0] > 1 }.map { LoopNestMapping.Loop(dimension: $0, bound: t[i][$0], spatial: false) }
                    + spatialOrder[i].map { LoopNestMapping.Loop(dimension: $0.dimension, bound: $0.bound, spatial: true) }
            }
            return LoopNestMapping(loops: loops, keeps: keeps)
        }
        /// The innermost bounded level that cannot hold the tiles of the data spaces it keeps, if any.
        func overflow(_ t: [[Int]]) -> Int? {
            var extent = [Int](repeating: 1, count: dims)
            for i in stride(from: levels - 1, through: 1, by: -1) {
                for d in 0..<dims { extent[d] *= t[i][d] * spatial[i][d] }
                guard let capacity = arch.storage[i].capacityWords else { continue }
                var words = 0.0
                for (k, ds) in problem.dataSpaces.enumerated() where keeps[i][k] {
                    words += ds.words(extents: extent)
                }
                if words > Double(capacity) { return i }
            }
            return nil
        }
        func fits(_ t: [[Int]]) -> Bool { overflow(t) == nil }
        if let tight = overflow(temporal) {
            let name = arch.storage[tight].name
            throw SpindleError(
                .capacity, "the storage level '\(name)' cannot hold one tile of the data it keeps under the \(dataflow.rawValue) dataflow",
                hint: "Give the level more capacity, let it bypass a data space, or fan out less")
        }
        // Two starting tilings: every temporal loop at the outermost level, and each level, from the innermost
        // out, taking prime factors of what is left, dimension by dimension in the order the dataflow runs
        // them (innermost first), while its tile fits.
        var filled = temporal
        for i in stride(from: levels - 1, through: 1, by: -1) {
            let fill =
                constraint[i].temporal.map { Array($0.reversed()) }
                ?? (i == levels - 1 ? dataflow.innermostDimensions : Array(dataflow.loopOrder.reversed()))
            for d in fill where allowed(d, at: i) {
                while filled[0][d] > 1 {
                    let p = smallestPrime(of: filled[0][d])
                    var t = filled
                    t[0][d] /= p
                    t[i][d] *= p
                    guard fits(t) else { break }
                    filled = t
                }
            }
        }
        // From each, a prime factor of one dimension, or all of its factor at a level, moves to another level
        // while a move lowers the energy; the lower of the two results is kept.
        var result: (t: [[Int]], energy: Double)?
        for start in [filled, temporal] {
            var current = start
            var best = try LoopNestAnalysis.analyse(problem, arch, mapping(current)).energyPJ
            for _ in 0..<maxMoves {
                var move: (t: [[Int]], energy: Double)?
                for d in 0..<dims {
                    for from in 0..<levels where current[from][d] > 1 {
                        let prime = smallestPrime(of: current[from][d])
                        for p in Set([prime, current[from][d]]).sorted() {
                            for to in 0..<levels where to != from {
                                if !allowed(d, at: to) { continue }
                                var t = current
                                t[from][d] /= p
                                t[to][d] *= p
                                guard fits(t) else { continue }
                                let e = try LoopNestAnalysis.analyse(problem, arch, mapping(t)).energyPJ
                                if e < (move?.energy ?? best) * (1 - 1e-9) { move = (t, e) }
                            }
                        }
                    }
                }
                guard let move else { break }
                current = move.t
                best = move.energy
            }
            if best < (result?.energy ?? .infinity) { result = (current, best) }
        }
        temporal = result!.t
        return mapping(temporal)
    }

    /// The most moves the search takes (each lowers the energy; the bound only guards the run time).
    static let maxMoves = 256

    static func largestDivisor(of n: Int, atMost limit: Int) -> Int {
        var f = min(n, limit)
        while f > 1 && n % f != 0 { f -= 1 }
        return max(f, 1)
    }

    static func smallestPrime(of n: Int) -> Int {
        var p = 2
        while p * p <= n {
            if n % p == 0 { return p }
            p += 1
        }
        return n
    }
}
