import Foundation
import Testing

/// Cases per generator in a CI run; `SPINDLE_FUZZ_SCALE=k` runs k times as many (with other seeds).
let fuzzScale = Int(ProcessInfo.processInfo.environment["SPINDLE_FUZZ_SCALE"] ?? "") ?? 1

func expectClean(_ cases: [FuzzCase]) {
    let outcomes = FuzzRunner.runAll(cases)
    let bad = outcomes.filter { $0.verdict != .clean }
    #expect(outcomes.count == cases.count)
    let report = "\(bad.count) of \(cases.count) cases failed:\n" + bad.prefix(30).map(\.description).joined(separator: "\n")
    #expect(bad.isEmpty, Comment(rawValue: report))
}

@Suite("Fuzzing: hostile inputs end in a result or one clear error, never a crash or a hang", .serialized)
struct FuzzTests {
    @Test("Mutated scenarios, topologies and technology tables")
    func yaml() {
        expectClean(FuzzCorpus.yamlCases(count: 70 * fuzzScale, seed: 11 + UInt64(fuzzScale)))
    }

    @Test("Mutated cluster files and cluster scenarios (training, serving, collectives)")
    func clusters() {
        expectClean(FuzzCorpus.clusterCases(count: 45 * fuzzScale, seed: 53 + UInt64(fuzzScale)))
    }

    @Test("Mutated DRAMsim3, BookSim2 and SCALE-Sim inputs")
    func peers() {
        expectClean(FuzzCorpus.peerCases(count: 60 * fuzzScale, seed: 23 + UInt64(fuzzScale)))
    }

    @Test("Damaged and lying weight files")
    func weights() {
        expectClean(FuzzCorpus.weightCases(count: 45 * fuzzScale, seed: 37 + UInt64(fuzzScale)))
    }

    @Test("Hostile command-line values")
    func options() {
        expectClean(FuzzCorpus.optionCases(count: 40 * fuzzScale, seed: 41 + UInt64(fuzzScale)))
    }
}

@Suite("Known hostile inputs: each class the fuzzers found, refused with a message naming the problem", .serialized)
struct KnownHostileInputTests {
    @Test("Every known case ends in its expected error")
    func known() {
        expectClean(KnownCases.all)
    }

    @Test("A BookSim2 config saved with CRLF line endings gives the LF file's result, not the defaults")
    func crlf() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-crlf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // k = 3 differs from BookSim's default (8), so a file read as empty would show.
        let mesh = KnownCases.mesh.replacingOccurrences(of: "k  = 8;", with: "k  = 3;").replacingOccurrences(
            of: "sample_period  = 1000;", with: "sample_period  = 100;")
        try mesh.write(toFile: dir.path + "/lf", atomically: true, encoding: .utf8)
        try mesh.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: dir.path + "/crlf", atomically: true, encoding: .utf8)
        var outputs: [[String: Any]] = []
        for name in ["lf", "crlf"] {
            let r = try spindle(["noc", dir.path + "/" + name, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            var j = try json(r.stdout)
            j["run"] = nil
            outputs.append(j)
        }
        let hops = try #require(outputs[0]["avg_hops"] as? Double)
        #expect(outputs[1]["avg_hops"] as? Double == hops)
        #expect(outputs[1]["avg_packet_latency"] as? Double == outputs[0]["avg_packet_latency"] as? Double)
        #expect(outputs[1]["measured_packets"] as? Int == outputs[0]["measured_packets"] as? Int)
        // A 3x3 mesh averages at most 3 routers per packet; BookSim's default 8x8 would give more than 5.
        #expect(hops < 4)
    }
}
