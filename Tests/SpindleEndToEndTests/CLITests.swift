import Foundation
import Testing

/// Runs the built `spindle` binary and captures its output and exit status.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `spindle` executable that `swift test` built next to the test bundle (or `SPINDLE_BINARY`).
func spindleBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["SPINDLE_BINARY"] { return URL(fileURLWithPath: path) }
    let candidates = [
        Bundle.main.bundleURL.appendingPathComponent("spindle"),
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("spindle"),
        URL(fileURLWithPath: packageRoot + "/.build/debug/spindle"),
    ]
    guard let url = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "spindle binary not found; run swift build"])
    }
    return url
}

func spindle(_ arguments: [String]) throws -> CLIResult { try runProcess(try spindleBinary(), arguments) }

/// Runs `executable` with `arguments` from `directory` (the package root) and captures its output and status.
func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: String = packageRoot
) throws -> CLIResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("spindle command line", .serialized)
struct CLITests {
    @Test("spindle run with no scenario runs the built-in quickstart")
    func defaultRun() throws {
        let r = try spindle(["run", "--workers", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("scenario quickstart"))
        #expect(r.stdout.contains("energy by component"))
    }

    @Test("--json has the documented keys, and only `run` differs between worker counts")
    func jsonOutput() throws {
        let one = try json(try spindle(["run", "scenarios/four-chip-batch16.yaml", "--json", "--workers", "1"]).stdout)
        let two = try json(try spindle(["run", "scenarios/four-chip-batch16.yaml", "--json", "--workers", "2", "--profile"]).stdout)
        #expect(one["latency_ps"] is Int)
        #expect(one["events"] is Int)
        let energy = try #require(one["energy_pj"] as? [String: Any])
        #expect(energy["total"] is Double)
        #expect((energy["by_component"] as? [String: Any])?["dram"] != nil)
        let run = try #require(two["run"] as? [String: Any])
        let profile = try #require(run["profile"] as? [String: Any])
        #expect((profile["workers"] as? [Any])?.count == 2)
        #expect(profile["peak_memory_bytes"] is Int)
        var a = one, b = two
        a["run"] = nil
        b["run"] = nil
        let da = try JSONSerialization.data(withJSONObject: a, options: [.sortedKeys])
        let db = try JSONSerialization.data(withJSONObject: b, options: [.sortedKeys])
        #expect(da == db)
    }

    @Test("Separate processes give bit-identical results: per-process hash seeds never reach the numbers")
    func identicalAcrossProcesses() throws {
        // Each process hashes with its own seed, so summing over a dictionary in its order would change
        // the last bits of energies from one run to the next.
        var outputs: [Data] = []
        for _ in 0..<3 {
            let r = try spindle(["run", "scenarios/resnet18-spin-inference.yaml", "--json", "--workers", "1"])
            #expect(r.status == 0, "\(r.stderr)")
            var j = try json(r.stdout)
            j["run"] = nil
            outputs.append(try JSONSerialization.data(withJSONObject: j, options: [.sortedKeys]))
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    }

    @Test("Cluster scenarios: the JSON outside `run` is the same for 1 and 2 workers and across processes")
    func clusterDeterminism() throws {
        for (scenario, extra) in [
            ("scenarios/mixtral-8x7b-moe-training.yaml", ["--set", "workload.global_batch=64"]),
            ("scenarios/llama2-70b-inference-smartdeal.yaml", []), ("scenarios/allreduce-node-ring.yaml", []),
        ] {
            var outputs: [Data] = []
            for workers in ["1", "2", "2"] {
                let r = try spindle(["run", scenario, "--json", "--workers", workers] + extra)
                #expect(r.status == 0, "\(r.stderr)")
                var j = try json(r.stdout)
                #expect(j["run"] != nil)
                j["run"] = nil
                outputs.append(try JSONSerialization.data(withJSONObject: j, options: [.sortedKeys]))
            }
            #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2], "\(scenario)")
        }
    }

    @Test("--out writes the JSON result to a file")
    func outFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-\(UUID().uuidString).json").path
        let r = try spindle(["run", "--out", path, "--workers", "1"])
        #expect(r.status == 0)
        let written = try json(try String(contentsOfFile: path, encoding: .utf8))
        #expect(written["latency_ps"] is Int)
    }

    @Test(
        "Bad input exits with status 2 and a one-paragraph message",
        arguments: [
            (["run", "no/such/file.yaml"], "no such file"),
            (["run", "--workers", "0"], "--workers is 0"),
            (["run", "--numa", "fast"], "valid choices: auto, off"),
            (["run", "--numa", "99"], "NUMA"),
        ])
    func badInput(arguments: [String], message: String) throws {
        let r = try spindle(arguments)
        if arguments == ["run", "--numa", "99"] {
            // Without NUMA support the request is ignored with a note; with it, node 99 is an error.
            #expect(r.status == 0 || r.status == 2)
            #expect(r.stderr.contains(message))
            return
        }
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("A bad scenario file names its file and line")
    func badScenario() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("s.yaml").path
        try "name: s\ntopology: \(packageRoot)/topologies/single-chip-4x4.yaml\nmodell: tiny-cnn\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let r = try spindle(["run", file])
        #expect(r.status == 2)
        #expect(r.stderr.contains("s.yaml:3:1"))
        #expect(r.stderr.contains("Did you mean 'model'?"))
    }

    @Test("spindle compress reports per layer and writes tensors other tools can read back")
    func compress() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-\(UUID().uuidString).safetensors").path
        let r = try spindle(["compress", "--method", "smartdeal", "--model", "lenet-5", "--json", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        #expect((j["layers"] as? [Any])?.count == 5)
        #expect(j["ratio"] is Double)
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        // safetensors: u64 header length, then a JSON header naming the tensors.
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        #expect(header["f5.Ce"] != nil && header["f5.B"] != nil && header["f5.mask"] != nil)
        #expect(header["c1.dense"] != nil)  // 5x5 kernels stay dense, as in the reference
        let osc = try spindle(["compress", "--method", "osc", "--model", "lenet-5"])
        #expect(osc.status == 0)
        #expect(osc.stdout.contains("total"))
    }

    @Test(
        "spindle compress rejects bad options with status 2",
        arguments: [
            ["compress", "--method", "zip", "--model", "lenet-5"], ["compress", "--method", "osc"],
            ["compress", "--method", "osc", "--model", "lenet-5", "--keep", "0"], ["compress", "--method", "osc", "no/such.npz"],
        ])
    func compressErrors(arguments: [String]) throws {
        let r = try spindle(arguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "))
    }

    @Test("spindle models lists the zoo and shows a model; an unknown one is an error")
    func models() throws {
        let list = try spindle(["models", "list"])
        #expect(list.status == 0 && list.stdout.contains("mobilenetv2") && list.stdout.contains("61090496"))
        let show = try spindle(["models", "show", "alexnet", "--json"])
        let j = try json(show.stdout)
        #expect(j["macs"] as? Int == 714_188_480)
        let bad = try spindle(["models", "show", "alexnett"])
        #expect(bad.status == 2 && bad.stderr.contains("Did you mean 'alexnet'?"))
    }

    @Test("spindle collective and spindle plan: results, JSON, and hostile options refused with status 2")
    func collectiveAndPlan() throws {
        let r = try spindle(["collective", "--network", "ring:8", "--bytes", "8MiB", "--json"])
        let j = try json(r.stdout)
        let result = try #require(j["result"] as? [String: Any])
        // 2 x 7 x (0.5 us + 1 MiB / 100 GB/s)
        #expect(r.status == 0 && abs((result["timePs"] as? Double ?? 0) - 14 * (500_000 + 1_048_576 / 0.1)) < 1)
        for bad in [
            ["--network", "ring:1"], ["--network", "torus:9223372036854775807x4"], ["--network", "mesh:4"], ["--bytes", "0B"],
            ["--bandwidth", "-1GB/s"], ["--latency", "1 parsec"], ["--chunks", "0"], ["--op", "gather"], ["--algorithm", "rign"],
            ["--algorithm", "halving-doubling", "--network", "ring:6"], ["--algorithm", "hierarchical"],
            ["--algorithm", "direct", "--network", "switch:4096"], ["--network", "fully-connected:100000"],
        ] {
            let b = try spindle(["collective"] + bad)
            #expect(b.status == 2 && b.stderr.hasPrefix("error:"), "\(bad): \(b.stderr)")
        }
        let plan = try spindle(["plan", "gpt2", "--chips", "8", "--global-batch", "16", "--top", "3", "--json"])
        let p = try json(plan.stdout)
        #expect(plan.status == 0 && (p["plans"] as? [Any])?.count == 3 && (p["fitting"] as? Int ?? 0) > 0)
        for bad in [
            ["gpt5"], ["gpt2", "--chips", "0"], ["gpt2", "--efficiency", "nan"], ["gpt2", "--chip-memory", "80 parsecs"],
            ["gpt2", "--chips", "32", "--chips-per-node", "1", "--global-batch", "3"], ["gpt2", "--sequence", "0"],
        ] {
            let b = try spindle(["plan"] + bad)
            #expect(b.status == 2 && b.stderr.hasPrefix("error:"), "\(bad): \(b.stderr)")
        }
    }

    @Test("spindle bench engine reports identical outcomes and rates")
    func benchEngine() throws {
        let r = try spindle([
            "bench", "engine", "--workers", "2", "--partitions", "4", "--components", "16", "--end-us", "0.2", "--repeat", "1", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        #expect(j["identical"] as? Bool == true)
        #expect((j["engine_events_per_s"] as? Double ?? 0) > 0)
    }
}
