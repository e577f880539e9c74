import Foundation
import SpindleCollectives
import SpindleCore
import SpindleParallelism
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleTestSupport
import Testing

@Suite("Cluster scenarios: training iterations and collectives on cluster files")
struct ClusterScenarioTests {
    static let node = """
        name: node
        chip: {peak_tflops: 100, memory: 80 GB}
        levels:
          - {name: node, size: 8, network: switch, bandwidth: 100 GB/s, latency: 1 us, energy_per_bit: 2 pJ}
        """

    @Test("Every shipped cluster scenario loads and runs (training ones on fewer micro-batches)")
    func shipped() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repoPath("scenarios")).filter {
            $0.hasSuffix(".yaml") && ClusterScenarioLoader.isClusterScenario(repoPath("scenarios/" + $0))
        }
        #expect(files.count >= 4)
        for f in files.sorted() {
            var s = try ClusterScenarioLoader.load(repoPath("scenarios/" + f))
            if case .training(let t) = s.workload, let plan = t.plan, plan.chips > 1_024 {
                // The 16,384-chip scenario takes minutes in a debug build: checked, not run (the benchmarks run it).
                try TrainingSimulation(t.model, sequence: t.sequence, plan: plan, cluster: s.cluster.spec, network: s.cluster.network)
                    .validate()
                continue
            }
            if case .training(var t) = s.workload, var plan = t.plan {
                // A debug build: a few micro-batches per replica show the same schedule.
                plan.microBatches = min(plan.microBatches, plan.pipeline + 2)
                t.plan = plan
                s.workload = .training(t)
            }
            let r = try ClusterRunner.run(s)
            if let t = r.training {
                #expect(t.iterationSeconds > 0, "\(f)")
                #expect(t.stages.allSatisfy { $0.computeSeconds > 0 }, "\(f)")
                #expect(t.peakMemoryBytes <= t.memoryCapacityBytes, "\(f)")
            } else if let i = r.inference {
                #expect(i.timeToFirstTokenSeconds > 0 && i.timePerOutputTokenSeconds > 0, "\(f)")
            } else if let replay = r.replay {
                #expect(replay.seconds > 0 && replay.ranks.allSatisfy { $0.computeSeconds > 0 }, "\(f)")
            } else {
                #expect((r.collective?.timePs ?? 0) > 0, "\(f)")
            }
        }
    }

    @Test("A collective workload reproduces the ring closed form on a node switch: 2(n-1)(2a + B/(n bw)), 2 pJ/bit on both hops")
    func collectiveClosedForm() throws {
        let dir = try temporaryFiles([
            "node.yaml": Self.node,
            "c.yaml": "name: c\ncluster: node.yaml\nworkload: {collective: all-reduce, bytes: 8 MiB, algorithm: ring}\n",
        ])
        let r = try ClusterRunner.run(try ClusterScenarioLoader.load(dir + "/c.yaml"))
        let c = try #require(r.collective)
        let B = 8.0 * 1_048_576, n = 8.0
        let expected = 2 * (n - 1) * (2 * 1e6 + B / n / (100 * 1e-3))
        #expect(abs(c.timePs - expected) <= 1e-9 * expected)
        let bytes = 2 * (n - 1) / n * B * n * 2  // every chip sends 2(n-1)/n B, over two links
        #expect(abs(c.energyPJ - bytes * 8 * 2) <= 1e-6 * c.energyPJ)
    }

    @Test("Training on a cluster file: the scenario's plan, or the search's best that fits")
    func training() throws {
        let dir = try temporaryFiles([
            "node.yaml": Self.node,
            "t.yaml": """
            name: t
            cluster: node.yaml
            workload: {training: gpt2, sequence: 256, global_batch: 16}
            parallelism: {tensor: 2, pipeline: 2, micro_batch: 1, schedule: gpipe}
            """,
            "search.yaml": "name: s\ncluster: node.yaml\nworkload: {training: gpt2, sequence: 256, global_batch: 16}\n",
        ])
        let t = try #require(try ClusterRunner.run(try ClusterScenarioLoader.load(dir + "/t.yaml")).training)
        #expect(t.plan.tensor == 2 && t.plan.pipeline == 2 && t.plan.data == 2 && t.plan.microBatches == 8)
        #expect(t.schedule == .gpipe)
        #expect(t.stages.allSatisfy { $0.peakInFlight == 8 })
        let searched = try ClusterRunner.run(try ClusterScenarioLoader.load(dir + "/search.yaml"))
        #expect(searched.training != nil)
        #expect(searched.candidates?.first?.plan == searched.training?.plan)
        // --set replaces scenario fields and changes the input hash.
        let a = try ClusterScenarioLoader.load(dir + "/t.yaml")
        let b = try ClusterScenarioLoader.load(dir + "/t.yaml", overrides: [Override(path: ["parallelism", "pipeline"], value: "4")])
        guard case .training(let tb) = b.workload else { throw SpindleError(.invalidValue, "not training") }
        #expect(tb.plan?.pipeline == 4)
        #expect(a.inputHash != b.inputHash)
    }

    @Test("A timeline trace: valid trace-event JSON, one chip's spans never overlap, and their sums are the report's")
    func trace() throws {
        let dir = try temporaryFiles([
            "node.yaml": Self.node,
            "t.yaml": """
            name: t
            cluster: node.yaml
            workload: {training: gpt2, sequence: 256, global_batch: 8}
            parallelism: {tensor: 2, pipeline: 2, micro_batch: 1}
            """,
        ])
        let s = try ClusterScenarioLoader.load(dir + "/t.yaml")
        let (report, recorded) = try ClusterRunner.run(s, trace: TraceRequest(chips: 8, limit: 1_000_000))
        let timeline = try #require(recorded)
        let t = try #require(report.training)
        let object = try #require(try JSONSerialization.jsonObject(with: try ChromeTrace.data(timeline)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        #expect((object["metadata"] as? [String: String])?["spans_dropped"] == "0")
        var byChip: [Int: [(Double, Double, String)]] = [:]
        for e in events {
            let ph = try #require(e["ph"] as? String)
            #expect(["X", "M"].contains(ph))
            guard ph == "X" else { continue }
            let pid = try #require(e["pid"] as? Int), ts = try #require(e["ts"] as? Double), dur = try #require(e["dur"] as? Double)
            #expect(dur > 0 && ts >= 0)
            byChip[pid, default: []].append((ts, dur, try #require(e["cat"] as? String)))
        }
        #expect(byChip.count == 8)
        for (chip, spans) in byChip {
            for (a, b) in zip(spans, spans.dropFirst()) { #expect(b.0 >= a.0 + a.1 - 1e-6, "chip \(chip) overlaps") }
            let stage = t.stages[chip / 4]
            let compute = spans.filter { $0.2 == "compute" }.reduce(0) { $0 + $1.1 } * 1e-6
            let busy = spans.reduce(0) { $0 + $1.1 } * 1e-6
            #expect(abs(compute - stage.computeSeconds) <= 1e-9 * stage.computeSeconds)
            #expect(abs(busy - (t.iterationSeconds - stage.tailSeconds)) <= 1e-9 * t.iterationSeconds)
        }
        // A limit drops the rest and says so.
        let (_, small) = try ClusterRunner.run(s, trace: TraceRequest(chips: 2, limit: 10))
        #expect(small?.spans.count == 10 && (small?.dropped ?? 0) > 0 && small?.notes.isEmpty == false)
    }

    @Test("Bad cluster files and scenarios are clear errors naming the line")
    func errors() throws {
        let cases: [(String, String, String)] = [
            ("name: x\nchip: {peak_tflops: 1, memory: 1 GB}\nlevels: []\n", "", "levels"),
            (
                "name: x\nchip: {peak_tflops: 1, memory: 1 GB}\nlevels:\n  - {size: 8, bandwidth: 1 GB/s, latency: 1 us}\n  - {size: 2, network: ring, bandwidth: 1 GB/s, latency: 1 us}\n",
                "", "ring"
            ),
            ("name: x\nchip: {peak_tflops: 1, memory: 1 GB}\nlevels:\n  - {size: 8, bandwidth: fast, latency: 1 us}\n", "", "bandwidth"),
            ("name: x\nchip: {peak_tflops: 1, memroy: 1 GB}\nlevels:\n  - {size: 8, bandwidth: 1 GB/s, latency: 1 us}\n", "", "memroy"),
            (Self.node, "workload: {training: gpt5}\n", "gpt5"),
            (Self.node, "workload: {training: gpt2, collective: all-reduce}\n", "one of"),
            (Self.node, "workload: {collective: all-reduce}\n", "bytes"),
            (Self.node, "workload: {collective: all-reduce, bytes: 1 MiB, intra: ring}\n", "hierarchical"),
            (Self.node, "workload: {training: gpt2, global_batch: 8}\nparallelism: {tensor: 3}\n", "divide"),
            (Self.node, "workload: {training: gpt2, global_batch: 7}\nparallelism: {tensor: 2}\n", "global batch"),
            (Self.node, "workload: {training: gpt2}\nparallelism: {tensor: 2, pipelines: 2}\n", "pipelines"),
            (Self.node, "workload: {inference: gpt2, global_batch: 4}\n", "does not belong"),
            (Self.node, "workload: {inference: gpt2, weights: sram}\n", "sram"),
            (Self.node, "workload: {inference: gpt2, weights: mram}\n", "no MRAM"),
            (Self.node, "workload: {inference: gpt2}\nparallelism: {tensor: 2, data: 2}\n", "data"),
        ]
        for (cluster, workload, needle) in cases {
            let dir = try temporaryFiles([
                "c.yaml": cluster, "s.yaml": "name: s\ncluster: c.yaml\n" + (workload.isEmpty ? "workload: {training: gpt2}\n" : workload),
            ])
            #expect {
                let s = try ClusterScenarioLoader.load(dir + "/s.yaml")
                _ = try ClusterRunner.run(s)
            } throws: { e in
                guard let e = e as? SpindleError else { return false }
                return e.description.contains(needle) && e.location != nil
            }
        }
    }
}
