import Foundation
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleTestSupport
import Testing

@Suite("Activity over time and timeline traces of topology runs")
struct ActivityTests {
    /// A training iteration over four chips (data-parallel, with ring all-reduces) and a pipeline split.
    static func scenarios() throws -> [Scenario] {
        var split = try tinyTrainingScenario()
        split.mapping.split = 2
        return [try tinyTrainingScenario(), split, try ScenarioLoader.load(repoPath("scenarios/quickstart.yaml"))]
    }

    @Test("The recorded series add up to the report's totals, and recording changes no result")
    func sums() async throws {
        for scenario in try Self.scenarios() {
            let prepared = try ScenarioRunner.prepare(scenario)
            var plain = try await ScenarioRunner.run(prepared, options: EngineOptions(workers: 2))
            var (recorded, _) = try await ScenarioRunner.record(prepared, options: EngineOptions(workers: 2), activity: true, trace: nil)
            let a = try #require(recorded.activity)
            recorded.activity = nil
            plain.run = nil
            recorded.run = nil
            #expect(plain == recorded, "recording activity changed the result of \(scenario.name)")
            let chips = a.chips
            #expect(chips.count == plain.chips)
            // Tile busy time: the report's utilisation is busy / (tiles x latency).
            let busy = chips.reduce(0.0) { $0 + Double($1.tileBusyPs.reduce(0, +)) }
            let expected = plain.tileUtilisation * Double(plain.tiles * plain.chips) * Double(plain.latencyPs)
            #expect(abs(busy - expected) <= 1e-9 * expected)
            // DRAM bytes and NoC link bytes, exactly.
            #expect(chips.reduce(UInt64(0)) { $0 + $1.dramBytes.reduce(0, +) } == plain.dataBytes.dramRead + plain.dataBytes.dramWrite)
            #expect(chips.reduce(UInt64(0)) { $0 + $1.nocLinkBytes.reduce(0, +) } == plain.dataBytes.nocLinkHops)
            #expect(chips.reduce(UInt64(0)) { $0 + $1.routerLinkBytes.joined().reduce(0, +) } == plain.dataBytes.nocLinkHops)
            // No bin holds more than its width of busy time per tile.
            for c in chips { for v in c.tileBusyPs { #expect(v <= a.binPs * UInt64(a.tilesPerChip)) } }
            // Steps follow each other on a chip; a layer's busiest chip's step time is the report's busy time.
            var layerTime: [String: [Int: UInt64]] = [:]
            for c in chips {
                var last: UInt64 = 0
                for s in c.steps {
                    #expect(s.beginPs >= last && s.beginPs <= s.runPs && s.runPs <= s.endPs && s.endPs <= plain.latencyPs)
                    last = s.endPs
                    layerTime[s.layer, default: [:]][c.chip, default: 0] += s.endPs - s.beginPs
                }
            }
            for l in plain.layers where l.busyPs > 0 {
                #expect(layerTime[l.name]?.values.max() == l.busyPs, "layer \(l.name) of \(scenario.name)")
            }
        }
    }

    @Test("Activity is the same for 1 and 2 workers")
    func determinism() async throws {
        let prepared = try ScenarioRunner.prepare(try tinyTrainingScenario())
        var reports: [RunReport] = []
        for w in [1, 2] {
            var (r, _) = try await ScenarioRunner.record(prepared, options: EngineOptions(workers: w), activity: true, trace: nil)
            r.run = nil
            reports.append(r)
        }
        #expect(reports[0].activity != nil)
        #expect(try reports[0].jsonData() == reports[1].jsonData())
    }

    @Test("A trace: valid trace-event JSON, ordered per thread, tile jobs never overlap and sum to the tiles' busy time")
    func trace() async throws {
        var split = try tinyTrainingScenario()
        split.mapping.split = 2
        let prepared = try ScenarioRunner.prepare(split)
        let (report, recorded) = try await ScenarioRunner.record(
            prepared, options: EngineOptions(workers: 2), activity: true, trace: TraceRequest(chips: 3))
        let timeline = try #require(recorded)
        let a = try #require(report.activity)
        let object = try #require(try JSONSerialization.jsonObject(with: try ChromeTrace.data(timeline)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata["spans_dropped"] == "0")
        #expect(metadata["left_out"]?.contains("chips 3...3") == true)
        var lastStart: [[Int]: Double] = [:]
        var jobs: [[Int]: [(Double, Double)]] = [:]
        var flows: [Int: [String]] = [:]
        var names = Set<[Int]>()
        for e in events {
            let ph = try #require(e["ph"] as? String)
            let pid = try #require(e["pid"] as? Int), tid = try #require(e["tid"] as? Int)
            #expect(["M", "X", "C", "s", "f"].contains(ph))
            #expect(pid < 3 || pid == 4, "chips 0-2 and the package network (process 4)")
            switch ph {
            case "M": names.insert([pid, tid])
            case "X":
                let ts = try #require(e["ts"] as? Double), dur = try #require(e["dur"] as? Double)
                #expect(ts >= 0 && dur >= 0)
                #expect(names.contains([pid, tid]), "a span on a thread with no name")
                #expect(ts >= (lastStart[[pid, tid]] ?? 0), "spans out of order on \(pid)/\(tid)")
                lastStart[[pid, tid]] = ts
                if tid > 0 { jobs[[pid, tid], default: []].append((ts, dur)) }
            case "C": #expect((e["args"] as? [String: Double])?.isEmpty == false)
            default: flows[try #require(e["id"] as? Int), default: []].append(ph)
            }
        }
        #expect(!flows.isEmpty, "the pipeline's transfers are drawn as arrows")
        #expect(names.contains([4, 0]), "the package network has a process of its own")
        for (_, phases) in flows { #expect(phases.sorted() == ["f", "s"]) }
        for c in 0..<3 {
            var total = 0.0
            for (key, spans) in jobs where key[0] == c {
                for (x, y) in zip(spans, spans.dropFirst()) { #expect(y.0 >= x.0 + x.1 - 1e-6, "jobs overlap on tile \(key)") }
                total += spans.reduce(0) { $0 + $1.1 }
            }
            let busy = Double(a.chips[c].tileBusyPs.reduce(0, +)) * 1e-6
            #expect(abs(total - busy) <= 1e-9 * max(busy, 1), "chip \(c): jobs \(total) us, busy \(busy) us")
        }
        // A window keeps what overlaps it and counts the rest.
        let lo = Double(report.latencyPs) / 3, hi = Double(report.latencyPs) / 2
        let (_, windowed) = try await ScenarioRunner.record(
            prepared, options: EngineOptions(workers: 1), activity: false, trace: TraceRequest(chips: 3, window: lo...hi))
        let w = try #require(windowed)
        #expect(!w.spans.isEmpty && w.outside > 0)
        #expect(w.spans.allSatisfy { $0.startPs <= hi && $0.startPs + $0.durationPs >= lo })
        #expect(w.samples.allSatisfy { (lo...hi).contains($0.timePs) })
        #expect(w.arrows.allSatisfy { (lo...hi).contains($0.fromPs) && (lo...hi).contains($0.toPs) })
        #expect(
            w.spans.count + w.samples.count + w.arrows.count + w.outside
                == timeline.spans.count + timeline.samples.count + timeline.arrows.count)
        // A limit keeps the first entries and says how many it dropped.
        let (_, small) = try await ScenarioRunner.record(
            prepared, options: EngineOptions(workers: 1), activity: false, trace: TraceRequest(chips: 1, limit: 50))
        #expect(small?.spans.count == 50 && (small?.dropped ?? 0) > 0)
    }
}

@Suite("Compression of an ONNX model's own weights")
struct ONNXWeightsRunTests {
    @Test("weights: model compresses the file's weights, not the seeded synthetic ones, and the run uses them")
    func ownWeights() async throws {
        let dir = try temporaryFiles([
            "s.yaml": """
            name: s
            topology: builtin:topologies/single-chip-4x4.yaml
            model: \(repoPath("examples/onnx/tiny-cnn.onnx"))
            compression: {method: smartdeal, weights: model}
            """
        ])
        let own = try ScenarioLoader.load(dir + "/s.yaml")
        var synthetic = own
        synthetic.modelWeights = nil
        let a = ScenarioRunner.encodedNetwork(own).encodings, b = ScenarioRunner.encodedNetwork(synthetic).encodings
        #expect(Set(a.keys) == ["conv1", "dw", "pw", "fc"] && Set(b.keys) == Set(a.keys))
        // The encodings are those of the model's tensors compressed directly, which differ from the seeded
        // synthetic weights' (SmartDeal's zero rows and non-zeros depend on the values).
        #expect(a != b)
        let direct = Compressor.run(try #require(own.modelWeights), settings: try #require(own.compression), source: "direct")
        #expect(direct.report.layers.map(\.name) == ["conv1", "dw", "pw", "fc"])
        #expect(Compressor.encodings(of: direct.report, settings: own.compression!, network: own.network) == a)
        let report = try await ScenarioRunner.run(own, options: EngineOptions(workers: 1))
        #expect(report.energyPJ.total > 0)
    }
}
