import Foundation
import SpindleCore
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleTestSupport
import Testing

@Suite("Saved cluster results: read back, drawn, and edited")
struct ClusterReportTests {
    /// GPT-2 training on the 8-chip node of `ClusterScenarioTests`: TP 2 x PP 2 x DP 2.
    static let train = """
        name: train
        cluster: node.yaml
        workload: {training: gpt2, sequence: 256, global_batch: 8}
        parallelism: {tensor: 2, pipeline: 2, micro_batch: 1}
        """

    static func reports() throws -> [(ClusterRunReport, Timeline?)] {
        let dir = try temporaryFiles([
            "node.yaml": ClusterScenarioTests.node,
            "train.yaml": Self.train,
            "serve.yaml": """
            name: serve
            cluster: node.yaml
            workload: {inference: gpt2, batch: 2, prompt: 64, generate: 4}
            parallelism: {tensor: 2}
            """,
            "ring.yaml": """
            name: ring
            cluster: node.yaml
            workload: {collective: all-reduce, bytes: 1 MiB, algorithm: ring}
            """,
        ])
        return try ["train", "serve", "ring"].map { name in
            let s = try ClusterScenarioLoader.load(dir + "/\(name).yaml")
            return try ClusterRunner.run(s, trace: s.hasChipPrograms ? TraceRequest(chips: 4) : nil)
        }
    }

    @Test("Training, serving and collective results read back equal, and their pages list every chart they draw")
    func roundTrip() throws {
        for (report, timeline) in try Self.reports() {
            let data = try report.jsonData()
            let back = try ClusterRunReport.decode(data)
            #expect(try back.jsonData() == data, "\(report.scenario) does not read back as written")
            let html = try report.html(timeline: timeline)
            let drawn = html.components(separatedBy: "<figure class=\"chart\" id=\"").count - 1
            let listed = try #require(html.range(of: "id=\"spindle-charts\">[", options: []))
            #expect(drawn > 0 && html[listed.upperBound...].prefix { $0 != "]" }.split(separator: ",").count == drawn)
            #expect(html.contains("id=\"timeline\"") == (timeline != nil))
        }
    }

    @Test("A trace across stages records the first chips of every pipeline stage, and says which")
    func acrossStages() throws {
        let dir = try temporaryFiles([
            "node.yaml": ClusterScenarioTests.node,
            "train.yaml": Self.train,
        ])
        var request = TraceRequest(chips: 4)
        request.acrossStages = true
        let (_, recorded) = try ClusterRunner.run(try ClusterScenarioLoader.load(dir + "/train.yaml"), trace: request)
        let timeline = try #require(recorded)
        // 8 chips, 2 stages of 4: two chips of each.
        #expect(timeline.tracks.map(\.process) == [0, 1, 4, 5])
        #expect(Set(timeline.spans.map { timeline.tracks[$0.track].process }) == [0, 1, 4, 5])
        #expect(timeline.notes.contains { $0.contains("traced: 0, 1, 4, 5") })
    }

    @Test("Edited cluster results are drawn or refused, never a crash")
    func edited() throws {
        var rng = RandomStream(seed: 17)
        var drawn = 0
        for (report, _) in try Self.reports() {
            let base = try JSONSerialization.jsonObject(with: try report.jsonData())
            for _ in 0..<120 {
                let v = mutateJSON(base, &rng)
                guard let data = try? JSONSerialization.data(withJSONObject: v), let r = try? ClusterRunReport.decode(data) else {
                    continue
                }
                #expect(!r.summary().isEmpty)
                if (try? r.html()) != nil { drawn += 1 }
            }
        }
        #expect(drawn > 30)
    }
}
