import Foundation
import SpindleCollectives
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleParallelism

@Suite("Chakra execution traces")
struct ChakraTraceTests {
    /// A small Mixtral-like model: tensor, data, expert and pipeline parallelism all appear.
    func moe() throws -> Transformer {
        var m = try #require(TransformerZoo.model(named: "mixtral-8x7b"))
        m.layers = 4
        m.hidden = 512
        m.ffn = 1_024
        m.heads = 8
        m.kvHeads = 8
        m.vocabulary = 1_000
        return m
    }

    /// A fresh folder for written traces.
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-chakra-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func simulation() throws -> TrainingSimulation {
        var plan = ParallelismPlan(tensor: 2, pipeline: 2, data: 4, expert: 2, microBatchSize: 1, microBatches: 4)
        plan.zero = 1
        return TrainingSimulation(try moe(), sequence: 256, plan: plan, cluster: .dgxA100(chips: 16))
    }

    @Test("Export, then import: the replayed schedule equals the simulated iteration (tensor, data, expert, pipeline)")
    func roundTrip() throws {
        let sim = try simulation()
        let simulated = try sim.run()
        let set = try sim.chakraTrace()
        #expect(set.ranks == 16)
        let dir = try scratch()
        let paths = try set.write(to: dir)
        #expect(paths.count == 17)
        let back = try ChakraTraceSet.read(folder: dir)
        #expect(back.ranks == 16 && back.nodes == set.nodes)
        #expect(back.groups.map { $0.map { $0.sorted() } } == set.groups.map { $0.map { $0.sorted() } })
        let replayed = try back.replay(cluster: sim.cluster, network: sim.network)
        let direct = try set.replay(cluster: sim.cluster, network: sim.network)
        #expect(abs(replayed.seconds - simulated.iterationSeconds) <= 1e-12 * simulated.iterationSeconds)
        #expect(replayed == direct)
        for (a, b) in zip(replayed.linkBytesByLevel, simulated.linkBytesByLevel) { #expect(abs(a - b) <= 1e-9 * max(b, 1)) }
        #expect(abs(replayed.linkEnergyPJ - simulated.linkEnergyPJ) <= 1e-9 * simulated.linkEnergyPJ)
        // Each stage's mean compute and collective times are the simulation's.
        for (s, stage) in simulated.stages.enumerated() {
            let ranks = replayed.ranks[(s * 8)..<((s + 1) * 8)]
            func mean(_ f: (ReplayResult.Rank) -> Double) -> Double { ranks.reduce(0) { $0 + f($1) } / 8 }
            #expect(abs(mean(\.computeSeconds) - stage.computeSeconds) <= 1e-12)
            #expect(abs(mean(\.tensorSeconds) - stage.tensorSeconds) <= 1e-9 * max(stage.tensorSeconds, 1e-12))
            #expect(abs(mean(\.expertSeconds) - stage.expertSeconds) <= 1e-9 * max(stage.expertSeconds, 1e-12))
            #expect(abs(mean(\.dataSeconds) - stage.dataSeconds) <= 1e-9 * max(stage.dataSeconds, 1e-12))
        }
    }

    @Test("A PyTorch trace converted by Chakra (150 nodes of Chakra's own test trace) reads as Python's protobuf reads it")
    func pytorchTrace() throws {
        let json = try #require(Bundle.module.url(forResource: "Fixtures/chakra/pytorch-trim", withExtension: "json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let folder = json.deletingLastPathComponent().path
        let set = try ChakraTraceSet.read(folder: folder)
        #expect(set.ranks == 1 && set.nodes == expected["nodes"] as? Int)
        var collectives = 0
        for op in set.programs[0] { if case .collective = op.kind { collectives += 1 } }
        #expect(collectives == expected["collectives"] as? Int)
        // One rank: the collectives take no time, so the replay is the busy time of compute and host calls.
        let cluster = ClusterSpec.dgxA100(chips: 8)
        let r = try set.replay(cluster: cluster, network: cluster.network())
        let busy = try #require(expected["busy_micros"] as? Int)
        #expect(r.seconds == Double(busy) * 1e-6)
    }

    @Test("Damaged traces, missing ranks, unknown groups and unmatched receives are clear errors, never a crash or a hang")
    func hostile() throws {
        let sim = try simulation()
        let set = try sim.chakraTrace()
        let dir = try scratch()
        try set.write(to: dir)
        let rank3 = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/spindle.3.et")))
        var rng = RandomStream(seed: 3)
        var refused = 0
        for k in 0..<120 {
            var b = rank3
            if k % 3 == 0 {
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
            } else {
                for _ in 0..<(1 + k % 4) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            try Data(b).write(to: URL(fileURLWithPath: dir + "/spindle.3.et"))
            do {
                let back = try ChakraTraceSet.read(folder: dir)
                _ = try back.replay(cluster: sim.cluster, network: sim.network)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 20)
        try Data(rank3).write(to: URL(fileURLWithPath: dir + "/spindle.3.et"))

        func expectError(_ text: String, _ change: (String) throws -> Void) throws {
            let d = try scratch()
            try set.write(to: d)
            try change(d)
            do {
                let back = try ChakraTraceSet.read(folder: d)
                _ = try back.replay(cluster: sim.cluster, network: sim.network)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.contains(text), "\(error)")
            }
        }
        try expectError("not rank 5's") { try FileManager.default.removeItem(atPath: $0 + "/spindle.5.et") }
        try expectError("which comm_group.json does not define") {
            try Data("{\"1\": [0, 1]}".utf8).write(to: URL(fileURLWithPath: $0 + "/comm_group.json"))
        }
        try expectError("is not JSON") { try Data("{1: [".utf8).write(to: URL(fileURLWithPath: $0 + "/comm_group.json")) }
        // Rank 9's program without its sends: its peers wait for ever, which the replay reports.
        var broken = set
        broken.programs[9] = broken.programs[9].filter { if case .sendTo = $0.kind { false } else { true } }
        let d = try scratch()
        try broken.write(to: d)
        do {
            _ = try ChakraTraceSet.read(folder: d).replay(cluster: sim.cluster, network: sim.network)
            Issue.record("a receive without its send finished")
        } catch {
            #expect(error.description.contains("did not finish") && error.description.contains("wait for each other"), "\(error)")
        }
    }
}
