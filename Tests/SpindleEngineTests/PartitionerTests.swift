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
