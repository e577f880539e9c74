import Foundation
import Testing

/// `spindle` under `mpirun`: results identical to one process for any ranks x workers, over shared memory
/// and TCP; distributed sweeps; input errors and dead ranks. Needs Open MPI (the README's set-up installs it).
enum MPI {
    /// The release binary when it is fresh (CI builds it first), else the debug one.
    static func binary() throws -> URL { try DocumentedCommands.freshReleaseBinary ?? spindleBinary() }

    /// Where `mpirun` is, if installed.
    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The environment for mpirun: as root, Open MPI wants explicit consent.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        return env
    }

    /// Runs `mpirun -q --oversubscribe -n ranks [mca...] spindle arguments...`.
    static func run(_ ranks: Int, _ arguments: [String], mca: [String] = [], directory: String = packageRoot) throws -> CLIResult {
        let mpirun = try #require(mpirun, "mpirun is not installed: apt-get install openmpi-bin libopenmpi-dev")
        // Waiting ranks yield their core: the tests share this machine's cores with each other.
        let options = ["-q", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1", "-n", String(ranks)] + mca
        return try runProcess(
            URL(fileURLWithPath: mpirun), options + [try binary().path] + arguments, environment: environment, directory: directory)
    }

    /// Runs the binary alone (no launcher).
    static func alone(_ arguments: [String]) throws -> CLIResult { try runProcess(try binary(), arguments) }

    /// The JSON result without its `run` key (wall-clock facts), as canonical bytes.
    static func model(_ text: String) throws -> Data {
        var object = try json(text)
        object["run"] = nil
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

@Suite("Distributed runs under mpirun", .serialized)
struct DistributedTests {
    @Test(
        "The JSON outside 'run' is identical for 2, 3 and 4 ranks x 1 and 2 workers and for one process",
        arguments: ["scenarios/four-chip-batch16.yaml", "scenarios/four-chip-training.yaml"])
    func ranksAndWorkers(scenario: String) throws {
        let reference = try MPI.alone(["run", scenario, "--json", "--workers", "1"])
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try MPI.model(reference.stdout)
        for (ranks, workers) in [(2, 1), (2, 2), (3, 1), (4, 1), (4, 2)] {
            let r = try MPI.run(ranks, ["run", scenario, "--json", "--workers", String(workers)])
            #expect(r.status == 0, "\(ranks) ranks x \(workers) workers: \(r.stderr)")
            #expect(try MPI.model(r.stdout) == expected, "\(scenario): \(ranks) ranks x \(workers) workers differ from one process")
        }
    }

    @Test("Over TCP only (--mca btl tcp,self), the path between machines, the result is the same")
    func tcpOnly() throws {
        let reference = try MPI.model(try MPI.alone(["run", "scenarios/four-chip-training.yaml", "--json", "--workers", "1"]).stdout)
        let r = try MPI.run(
            2, ["run", "scenarios/four-chip-training.yaml", "--json", "--workers", "2"], mca: ["--mca", "btl", "tcp,self"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try MPI.model(r.stdout) == reference)
    }

    @Test("The profile has one row per rank, the partition-to-rank map, and the exchange figures")
    func profilePerRank() throws {
        let r = try MPI.run(2, ["run", "scenarios/four-chip-training.yaml", "--json", "--workers", "1", "--profile"])
        #expect(r.status == 0, "\(r.stderr)")
        let run = try #require(try json(r.stdout)["run"] as? [String: Any])
        let profile = try #require(run["profile"] as? [String: Any])
        let ranks = try #require(profile["ranks"] as? [[String: Any]])
        #expect(ranks.count == 2)
        let partitions = ranks.flatMap { ($0["partitions"] as? [Int]) ?? [] }
        #expect(partitions.sorted() == [0, 1, 2, 3])
        for key in ["events_per_s", "exchange_share", "reduction_wait_share", "bytes_sent_per_window", "windows", "numa_node", "host"] {
            #expect(ranks[0][key] != nil, "the rank profile has no '\(key)'")
        }
        #expect(ranks.contains { ($0["bytes_sent_per_window"] as? Double ?? 0) > 0 }, "the all-reduce crosses ranks")
    }

    @Test("PHOLD across 2 and 4 ranks equals the plain heap loop (events and fingerprint)")
    func pholdAcrossRanks() throws {
        for ranks in [2, 4] {
            let r = try MPI.run(
                ranks, ["bench", "engine", "--json", "--workers", "1", "--repeat", "1", "--end-us", "1", "--components", "32"])
            #expect(r.status == 0, "\(ranks) ranks: \(r.stderr)")
            let report = try json(r.stdout)
            #expect(report["identical"] as? Bool == true, "\(ranks) ranks: the engine's outcome differs from the plain loop")
            #expect((report["events"] as? Int ?? 0) > 10_000)
        }
    }

    @Test("An input error under 2 ranks prints one message and exits 2")
    func inputErrorOnce() throws {
        let r = try MPI.run(2, ["run", "scenarios/no-such-file.yaml"])
        #expect(r.status == 2)
        let errors = r.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("no-such-file.yaml"))
        let usage = try MPI.run(2, ["run", "--workers", "0"])
        #expect(usage.status == 2)
        #expect(usage.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("error:") }.count == 1, "\(usage.stderr)")
    }

    @Test("A command that runs in one process explains itself under mpirun")
    func notDistributed() throws {
        let r = try MPI.run(2, ["models", "list"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("runs in one process"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("A launcher whose processes MPI does not see as one job: explained, exit 2")
    func mismatchedLauncher() throws {
        // What a foreign launcher looks like from inside: its environment says 3 processes, MPI sees a job of one.
        var env = MPI.environment
        env["OMPI_COMM_WORLD_SIZE"] = "3"
        env["OMPI_COMM_WORLD_RANK"] = "0"
        let r = try runProcess(try MPI.binary(), ["run", "--workers", "1"], environment: env)
        let text = r.stderr
        #expect(r.status == 2)
        #expect(text.contains("started 3 processes"), "\(text)")
        #expect(text.contains("Docs/distributed.md"))
    }

    @Test("A 2-rank sweep writes the same files as a serial sweep, and resumes")
    func sweep() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-mpi-sweep-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let serial = try MPI.alone(["sweep", "scenarios/quickstart-sweep.yaml", "--out", root + "/serial", "--workers", "1"])
        #expect(serial.status == 0, "\(serial.stderr)")
        let spread = try MPI.run(2, ["sweep", "scenarios/quickstart-sweep.yaml", "--out", root + "/mpi", "--workers", "1"])
        #expect(spread.status == 0, "\(spread.stderr)")
        #expect(spread.stdout.contains("(rank 1)"), "rank 1 ran no point: \(spread.stdout)")
        for i in 1...4 {
            let name = "/point-00\(i).json"
            let a = try String(contentsOfFile: root + "/serial" + name, encoding: .utf8)
            let b = try String(contentsOfFile: root + "/mpi" + name, encoding: .utf8)
            #expect(try MPI.model(a) == MPI.model(b), "\(name) differs")
        }
        let summary = { (dir: String) in try String(contentsOfFile: root + "/" + dir + "/summary.csv", encoding: .utf8) }
        #expect(try summary("serial") == summary("mpi"))
        let again = try MPI.run(2, ["sweep", "scenarios/quickstart-sweep.yaml", "--out", root + "/mpi", "--workers", "1"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.components(separatedBy: "already done").count - 1 == 4, "\(again.stdout)")
    }

    @Test("A rank that dies takes the job down: no hang, no result file")
    func deadRank() throws {
        let mpirun = try #require(MPI.mpirun)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-dead-\(UUID().uuidString).json").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = [
            "-q", "--oversubscribe", "-n", "2", try MPI.binary().path, "run", "scenarios/resnet50-64chip-training.yaml", "--workers", "1",
            "--out", out,
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        process.environment = MPI.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Find rank 1 among mpirun's children and kill it once the run has started.
        var victim: Int32?
        for _ in 0..<100 where victim == nil {
            Thread.sleep(forTimeInterval: 0.1)
            victim = Self.children(of: process.processIdentifier).first { Self.rank(of: $0) == 1 }
        }
        let pid = try #require(victim, "rank 1 never started")
        Thread.sleep(forTimeInterval: 1.0)
        kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let hung = process.isRunning
        if hung { process.terminate() }
        #expect(!hung, "mpirun still runs 60 s after rank 1 died")
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(!FileManager.default.fileExists(atPath: out), "a result file was written by a failed job")
    }

    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }

    static func rank(of pid: Int32) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            if text.hasPrefix("OMPI_COMM_WORLD_RANK=") { return Int(text.dropFirst("OMPI_COMM_WORLD_RANK=".count)) }
        }
        return nil
    }
}
