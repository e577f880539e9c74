import Foundation
import SpindleCore
import Testing

@testable import SpindleEngine

/// The distributed engine with its processes simulated as threads (`LocalProcessGroup`): the same code paths
/// as MPI ranks above the `ProcessGroup` calls. The MPI runs themselves are checked end to end.
@Suite("Distributed engine (processes as threads)")
struct DistributedEngineTests {
    let model = PHOLD(
        partitions: 6, componentsPerPartition: 16, population: 4, minDelay: 1_000, meanExtraDelay: 700,
        endTime: 300_000, seed: 11)

    /// Runs `model` as `processes` processes of `workers` workers each; returns every process's result.
    func runDistributed(processes: Int, workers: Int, model: PHOLD) async throws -> [SimulationResult] {
        let groups = LocalProcessGroup.make(size: processes)
        let sims = try groups.map { g in
            try model.build(options: EngineOptions(workers: workers, stopTime: model.endTime, group: g))
        }
        return await withTaskGroup(of: (Int, SimulationResult).self) { tasks in
            for (r, sim) in sims.enumerated() { tasks.addTask { (r, await sim.run()) } }
            var out: [(Int, SimulationResult)] = []
            for await x in tasks { out.append(x) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    @Test(
        "PHOLD over 2 and 4 processes x 1 and 2 workers equals the plain heap loop on every process",
        arguments: [(2, 1), (2, 2), (4, 1), (4, 2), (3, 2)])
    func processesAgree(processes: Int, workers: Int) async throws {
        let (plain, _) = model.runPlainLoop()
        let results = try await runDistributed(processes: processes, workers: workers, model: model)
        #expect(plain.events > 5_000)
        for r in results {
            #expect(model.outcome(of: r) == plain)
            #expect(r.windows == results[0].windows)
            #expect(r.counters.count == model.componentCount)
        }
        let ranks = try #require(results[0].profile.ranks)
        #expect(ranks.count == processes)
        #expect(Set(ranks.flatMap(\.partitions)) == Set(0..<model.partitions))
        #expect(ranks.reduce(0) { $0 + $1.events } == plain.events)
        #expect(ranks.contains { $0.bytesSentPerWindow > 0 })
    }

    @Test("More processes than partitions: the extra processes idle, the result is unchanged, the profile says so")
    func moreProcessesThanPartitions() async throws {
        var small = model
        small.partitions = 2
        let (plain, _) = small.runPlainLoop()
        let results = try await runDistributed(processes: 4, workers: 1, model: small)
        for r in results { #expect(small.outcome(of: r) == plain) }
        let ranks = try #require(results[0].profile.ranks)
        #expect(ranks.filter { $0.partitions.isEmpty }.count == 2)
        #expect(results[0].profile.notes.contains { $0.contains("more ranks than chips") })
    }

    @Test("A process layout with most of the work on one rank is reported as unbalanced")
    func unbalancedLayoutIsReported() async throws {
        struct AllButOne: Partitioner {
            func assign(weights: [Double], workers: Int) -> [Int] { weights.indices.map { $0 == 0 ? 1 : 0 } }
        }
        let groups = LocalProcessGroup.make(size: 2)
        let sims = try groups.map { g -> Simulation in
            let builder = try SimulationBuilder(options: EngineOptions(workers: 1, stopTime: model.endTime, group: g))
            builder.planProcesses(weights: Array(repeating: 1, count: model.partitions), partitioner: AllButOne())
            return try model.build(into: builder)
        }
        let results = await withTaskGroup(of: SimulationResult.self) { tasks in
            for sim in sims { tasks.addTask { await sim.run() } }
            var out: [SimulationResult] = []
            for await x in tasks { out.append(x) }
            return out
        }
        #expect(model.outcome(of: results[0]) == model.runPlainLoop().0)
        #expect(results[0].profile.notes.contains { $0.contains("unbalanced ranks: rank 0") })
    }

    @Test("A process's share of the result survives encoding byte for byte")
    func shareRoundTrip() {
        var c = Counters()
        c[CounterKey(raw: 7)] = 99
        c[CounterKey(raw: 1 << 40)] = .max
        let outcome = WorkerOutcome(
            rank: 3, events: 12, finalTime: 1_234, windows: 5, counters: [(ComponentID(9), c)],
            partitions: [.init(partition: 2, events: 12, busyNs: 77)], runNs: 1_000, barrierNs: 10, numaNode: -1, cpu: 1,
            pinned: false)
        let rank = RunProfile.Rank(
            rank: 1, host: "node-ü", partitions: [2, 5], workers: 2, events: 12, eventsPerSecond: 1.5, exchangeShare: 0.25,
            reductionWaitShare: 0.125, bytesSentPerWindow: 64, eventsSentPerWindow: 1, windows: 5, numaNode: 0, peakMemoryBytes: 4_096)
        let back = ProcessShare(decoding: ProcessShare(outcomes: [outcome], rank: rank).encoded())
        #expect(back.rank == rank)
        #expect(back.outcomes.count == 1)
        #expect(back.outcomes[0].counters[0].counters == c)
        #expect(back.outcomes[0].counters[0].id == ComponentID(9))
        #expect(back.outcomes[0].partitions[0].busyNs == 77)
        #expect(back.outcomes[0].finalTime == 1_234)
    }

    @Test("Agreeing on failure: every process gets the lowest failing rank's message, or all go on")
    func agreement() async throws {
        func agree(_ errors: [String?]) async -> [String?] {
            let groups = LocalProcessGroup.make(size: errors.count)
            return await withTaskGroup(of: (Int, String?).self) { tasks in
                for (r, g) in groups.enumerated() {
                    tasks.addTask {
                        await withCheckedContinuation { c in
                            Thread {
                                do {
                                    try g.agree(errors[r])
                                    c.resume(returning: (r, nil))
                                } catch {
                                    c.resume(returning: (r, (error as? DistributedFailure)?.description ?? "\(error)"))
                                }
                            }.start()
                        }
                    }
                }
                var out = [String?](repeating: nil, count: errors.count)
                for await (r, e) in tasks { out[r] = e }
                return out
            }
        }
        #expect(await agree([nil, nil, nil]) == [nil, nil, nil])
        #expect(await agree([nil, "error: b", "error: c"]) == Array(repeating: "rank 1: error: b", count: 3))
        #expect(await agree(["error: a", nil]) == ["error: a", "error: a"])
    }

    @Test("Point-to-point messages between simulated processes arrive by tag, with their source")
    func messages() async {
        let groups = LocalProcessGroup.make(size: 3)
        groups[1].send([1, 2, 3], to: 0, tag: 5)
        groups[2].send([9], to: 0, tag: 6)
        let six = groups[0].receive(tag: 6)
        let five = groups[0].receive(tag: 5)
        #expect(six.source == 2 && six.bytes == [9])
        #expect(five.source == 1 && five.bytes == [1, 2, 3])
    }
}
