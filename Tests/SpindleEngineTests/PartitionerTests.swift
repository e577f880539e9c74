import SpindleCore
import Testing

@testable import SpindleEngine

@Suite("Partitioners: which worker runs which partition")
struct PartitionerTests {
    @Test("Round-robin deals partitions out in turn over the workers that have any")
    func roundRobin() {
        #expect(RoundRobinPartitioner().assign(weights: Array(repeating: 1, count: 5), workers: 2) == [0, 1, 0, 1, 0])
        #expect(RoundRobinPartitioner().assign(weights: [1, 1], workers: 4) == [0, 1])
    }

    @Test("Balanced contiguous runs: equal work splits evenly, heavy partitions stand alone, every worker gets one")
    func balancedByHand() {
        let p = BalancedContiguousPartitioner()
        #expect(p.assign(weights: Array(repeating: 1, count: 8), workers: 2) == [0, 0, 0, 0, 1, 1, 1, 1])
        #expect(p.assign(weights: [9, 1, 1, 1, 1, 1, 1, 1, 1, 1], workers: 2) == [0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(p.assign(weights: [1, 1, 1], workers: 8) == [0, 1, 2])
        // Zero-weight partitions stay in the first run until the rest are just enough for one per worker.
        #expect(p.assign(weights: [0, 0, 0, 5], workers: 3) == [0, 0, 1, 2])
        #expect(p.assign(weights: [], workers: 2) == [])
    }

    @Test("The largest run is the smallest possible, against every way of cutting (300 random cases)")
    func balancedOptimal() {
        var rng = RandomStream(seed: 11)
        for _ in 0..<300 {
            let n = 1 + Int(rng.nextBelow(9))
            let workers = 1 + Int(rng.nextBelow(5))
            let w = (0..<n).map { _ in Double(rng.nextBelow(30)) }
            let a = BalancedContiguousPartitioner().assign(weights: w, workers: workers)
            let k = min(workers, n)
            // Contiguous, starting at worker 0, every worker below k used.
            #expect(a.count == n && a.first == 0 && a.last == k - 1)
            #expect(zip(a, a.dropFirst()).allSatisfy { $1 == $0 || $1 == $0 + 1 })
            var sums = [Double](repeating: 0, count: k)
            for (i, worker) in a.enumerated() { sums[worker] += w[i] }
            #expect(abs(sums.max()! - optimum(w, runs: k)) <= 1e-9 * max(1, optimum(w, runs: k)), "\(w) over \(k)")
        }
    }

    @Test("Staged: a pipeline's stages are shared evenly over the ranks, in contiguous runs, replica j of every stage together")
    func stagedByHand() {
        // 2 stages x 4 replicas over 2 ranks: each rank gets 2 replicas of each stage, the same replicas.
        let two = StagedPartitioner(classes: [0, 0, 0, 0, 1, 1, 1, 1]).assign(weights: Array(repeating: 1, count: 8), workers: 2)
        #expect(two == [0, 0, 1, 1, 0, 0, 1, 1])
        // One class (data parallel): contiguous runs, as balanced contiguous would give.
        #expect(
            StagedPartitioner(classes: [0, 0, 0, 0, 0, 0]).assign(weights: Array(repeating: 1, count: 6), workers: 3) == [0, 0, 1, 1, 2, 2])
        // Classes smaller than the rank count: spread, and shifted so every rank gets some.
        #expect(StagedPartitioner(classes: [0, 0, 1, 1]).assign(weights: Array(repeating: 1, count: 4), workers: 4) == [0, 2, 1, 3])
    }

    @Test("Staged: every rank used, every class shared to within one partition (300 random cases)")
    func stagedRandom() {
        var rng = RandomStream(seed: 5)
        for _ in 0..<300 {
            let stages = 1 + Int(rng.nextBelow(6))
            let replicas = 1 + Int(rng.nextBelow(12))
            let workers = 1 + Int(rng.nextBelow(20))
            let classes = (0..<stages).flatMap { s in [Int](repeating: s, count: replicas) }
            let a = StagedPartitioner(classes: classes).assign(weights: classes.map { _ in 1 }, workers: workers)
            let k = min(workers, classes.count)
            #expect(Set(a) == Set(0..<k), "\(stages) x \(replicas) over \(workers)")
            if replicas >= k {
                for s in 0..<stages {
                    var count = [Int](repeating: 0, count: k)
                    for (p, c) in classes.enumerated() where c == s { count[a[p]] += 1 }
                    #expect(count.max()! - count.min()! <= 1, "stage \(s) of \(stages) x \(replicas) over \(workers): \(count)")
                }
            }
        }
    }

    @Test("The scaling probe: one rank sees every event and no cut; two ranks split the work and cut some events")
    func probe() async throws {
        let model = PHOLD(partitions: 4, componentsPerPartition: 8, population: 4, endTime: 100_000, seed: 3)
        let probe = ScalingProbe(layouts: [
            .init(ranks: 1, rankOf: [0, 0, 0, 0]), .init(ranks: 2, rankOf: [0, 0, 1, 1]), .init(ranks: 4, rankOf: [0, 1, 2, 3]),
        ])
        var options = EngineOptions(workers: 1, stopTime: model.endTime)
        options.probe = probe
        let result = try await model.build(options: options).run()
        let f = probe.figures
        #expect(f[0].events == result.events && f[0].windows == result.windows)
        #expect(f[0].busiestRankEventsPerWindowSum == result.events && f[0].cutEvents == 0)
        #expect(f[1].busiestRankEventsPerWindowSum >= result.events / 2 && f[1].busiestRankEventsPerWindowSum < result.events)
        #expect(f[1].cutEvents > 0 && f[2].cutEvents > f[1].cutEvents)
        #expect(f[2].windowsWithCut <= f[2].windows)
        #expect(throws: SpindleError.self) {
            try model.build(
                options: {
                    var o = options
                    o.workers = 2
                    return o
                }())
        }
    }

    /// The smallest largest sum over cuts of `w` into exactly `runs` non-empty contiguous runs, by dynamic
    /// programming over prefixes.
    func optimum(_ w: [Double], runs: Int) -> Double {
        let n = w.count
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: n + 1), count: runs + 1)
        best[0][0] = 0
        for r in 1...runs {
            for end in r...n {
                var run = 0.0
                for start in stride(from: end - 1, through: r - 1, by: -1) {
                    run += w[start]
                    best[r][end] = min(best[r][end], max(best[r - 1][start], run))
                }
            }
        }
        return best[runs][n]
    }
}

@Suite("A planned partition layout changes nothing but who runs what")
struct PlannedLayoutTests {
    @Test("PHOLD on contiguous runs of partitions equals the plain heap loop, and each worker runs its run")
    func contiguousLayout() async throws {
        let model = PHOLD(partitions: 6, componentsPerPartition: 16, population: 4, endTime: 200_000, seed: 9)
        let sim = try model.build(options: EngineOptions(workers: 2, stopTime: model.endTime), partitioner: BalancedContiguousPartitioner())
        let result = await sim.run()
        #expect(model.outcome(of: result) == model.runPlainLoop().0)
        #expect(result.profile.workers.map(\.partitions) == [[0, 1, 2], [3, 4, 5]])
    }
}
