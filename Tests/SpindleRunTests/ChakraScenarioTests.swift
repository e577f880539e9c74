import Foundation
import SpindleCore
import SpindleParallelism
import SpindleRun
import SpindleScenario
import SpindleTestSupport
import Testing

@Suite("Cluster scenarios replaying Chakra traces")
struct ChakraScenarioTests {
    @Test("The shipped replay equals the training iteration it was written from, and the shipped traces are what Spindle writes now")
    func shippedReplay() throws {
        let training = try ClusterScenarioLoader.load(repoPath("scenarios/gpt2-node-training.yaml"))
        let replay = try ClusterScenarioLoader.load(repoPath("scenarios/chakra-replay.yaml"))
        let simulated = try #require(try ClusterRunner.run(training).training)
        let replayed = try #require(try ClusterRunner.run(replay).replay)
        #expect(abs(replayed.seconds - simulated.iterationSeconds) <= 1e-12 * simulated.iterationSeconds)
        #expect(abs(replayed.linkEnergyPJ - simulated.linkEnergyPJ) <= 1e-9 * simulated.linkEnergyPJ)
        #expect(replayed.groups == [4, 4, 0])
        // Written again, the traces are byte for byte the shipped ones.
        let dir = try temporaryFiles([:])
        let paths = try ClusterRunner.chakraTrace(training).write(to: dir)
        for p in paths {
            let name = (p as NSString).lastPathComponent
            let shipped = try Data(contentsOf: URL(fileURLWithPath: repoPath("examples/chakra/gpt2-node/" + name)))
            #expect(try Data(contentsOf: URL(fileURLWithPath: p)) == shipped, "\(name)")
        }
        // The traces' bytes enter the scenario's input hash.
        let copy = try temporaryFiles([
            "s.yaml": "name: s\ncluster: \(repoPath("clusters/dgx-a100-node.yaml"))\nworkload:\n  chakra: traces\n"
        ])
        try FileManager.default.copyItem(atPath: dir, toPath: copy + "/traces")
        let before = try ClusterScenarioLoader.load(copy + "/s.yaml").inputHash
        let groups = try Data(contentsOf: URL(fileURLWithPath: copy + "/traces/comm_group.json"))
        try (groups + Data("\n".utf8)).write(to: URL(fileURLWithPath: copy + "/traces/comm_group.json"))
        #expect(try ClusterScenarioLoader.load(copy + "/s.yaml").inputHash != before)
    }

    @Test("A serving run written as Chakra traces replays to the same first-token and total times")
    func servingRoundTrip() throws {
        let dir = try temporaryFiles([
            "serve.yaml": """
            name: serve
            cluster: \(repoPath("clusters/dgx-a100-node.yaml"))
            workload: {inference: gpt2, batch: 2, prompt: 128, generate: 8}
            parallelism: {tensor: 2, pipeline: 2}
            """,
            "replay.yaml": "name: replay\ncluster: \(repoPath("clusters/dgx-a100-node.yaml"))\nworkload:\n  chakra: traces\n",
        ])
        let serve = try ClusterScenarioLoader.load(dir + "/serve.yaml")
        let served = try #require(try ClusterRunner.run(serve).inference)
        try ClusterRunner.chakraTrace(serve).write(to: dir + "/traces")
        let replayed = try #require(try ClusterRunner.run(try ClusterScenarioLoader.load(dir + "/replay.yaml")).replay)
        #expect(abs(replayed.seconds - served.totalSeconds) <= 1e-9 * served.totalSeconds)
        let first = try #require(replayed.marks["0"])
        #expect(abs(first - served.timeToFirstTokenSeconds) <= 1e-9 * served.timeToFirstTokenSeconds)
        #expect(replayed.marks.count == 8 && replayed.groups[0] == 2)
    }

    @Test("A missing trace folder, too many ranks for the cluster and parallelism beside a trace are errors naming the line")
    func refusals() throws {
        let dir = try temporaryFiles([
            "missing.yaml": "name: m\ncluster: \(repoPath("clusters/dgx-a100-node.yaml"))\nworkload:\n  chakra: nowhere\n",
            "plan.yaml":
                "name: p\ncluster: \(repoPath("clusters/dgx-a100-node.yaml"))\nworkload:\n  chakra: \(repoPath("examples/chakra/gpt2-node"))\nparallelism: {tensor: 2}\n",
            "small.yaml": "name: s\ncluster: small-cluster.yaml\nworkload:\n  chakra: \(repoPath("examples/chakra/gpt2-node"))\n",
            "small-cluster.yaml":
                "name: small\nchip: {peak_tflops: 100, memory: 80 GB}\nlevels:\n  - {name: node, size: 4, network: switch, bandwidth: 100 GB/s, latency: 1 us}\n",
        ])
        for (file, line, text) in [
            ("missing.yaml", 4, "no Chakra trace folder"), ("plan.yaml", 5, "a trace names its own groups"), ("small.yaml", 4, "8 ranks"),
        ] {
            do {
                _ = try ClusterScenarioLoader.load(dir + "/" + file)
                Issue.record("\(file) loaded")
            } catch {
                #expect(error.description.contains("\(file):\(line)") && error.description.contains(text), "\(error)")
            }
        }
    }
}
