import ArgumentParser
import Foundation
import SpindleCore
import SpindleEngine
import SpindleScenario

/// `spindle bench scale`: how wall time and memory grow with the size of a run.
struct BenchScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Run a scenario at growing chip counts and fit how wall time grows with the events.",
        discussion: """
            Each point runs `spindle run SCENARIO --set chips=N --set batch=N` in its own process (one sample per \
            chip, so the work grows with the chips; a mesh or torus package gets rows of the power of two nearest \
            the square root of N), and reports events, simulation and total wall time, events \
            per second and the process's peak memory. The exponent is the least-squares slope of log(wall time) \
            against log(events): 1 means the cost grows as the work does. The same sitting also runs the engine's \
            PHOLD benchmark, so the real scenario's event rate can be read as a share of the engine's.
            """)

    @Argument(help: "Scenario YAML file.")
    var scenario = "scenarios/resnet50-64chip-training.yaml"
    @Option(help: "Chip counts, comma-separated.")
    var chips = "8,16,32,64,128"
    @Option(help: "Worker threads per run (default: the number of cores).")
    var workers: Int?
    @Option(help: "Run the points with this spindle binary instead of this one (to compare two builds side by side).")
    var binary: String?
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    struct Point: Encodable {
        var chips: Int
        var events: UInt64
        var simulationSeconds: Double
        var totalSeconds: Double
        var eventsPerSecond: Double
        var peakMemoryBytes: UInt64
        enum CodingKeys: String, CodingKey {
            case chips, events
            case simulationSeconds = "simulation_s"
            case totalSeconds = "total_s"
            case eventsPerSecond = "events_per_s"
            case peakMemoryBytes = "peak_memory_bytes"
        }
    }

    struct Output: Encodable {
        var scenario: String
        var workers: Int
        var points: [Point]
        var simulationExponent: Double
        var totalExponent: Double
        var pholdEventsPerSecond: Double
        var rateShareOfPHOLD: [Double]
        enum CodingKeys: String, CodingKey {
            case scenario, workers, points
            case simulationExponent = "simulation_exponent"
            case totalExponent = "total_exponent"
            case pholdEventsPerSecond = "phold_events_per_s"
            case rateShareOfPHOLD = "rate_share_of_phold"
        }
    }

    func parsedChips() throws(SpindleError) -> [Int] {
        let list = chips.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [Int] = []
        for item in list {
            guard let n = Int(item), (1...4_096).contains(n) else {
                throw SpindleError(.invalidValue, "--chips lists '\(item)'", expected: "whole chip counts from 1 to 4096, comma-separated")
            }
            out.append(n)
        }
        guard out.count >= 2 else {
            throw SpindleError(.invalidValue, "--chips lists \(out.count) point(s)", expected: "at least two chip counts")
        }
        return out
    }

    func validate() throws {
        if let workers { try CLI.check(workers, "--workers", 1...1_024, "worker threads") }
        _ = try parsedChips()
        if let binary, !FileManager.default.isExecutableFile(atPath: binary) {
            throw SpindleError(.fileNotFound, "--binary '\(binary)' is not an executable file")
        }
        guard FileManager.default.fileExists(atPath: scenario) else {
            throw SpindleError(
                .fileNotFound, "the scenario '\(scenario)' does not exist",
                hint: "Run from the root of the Spindle repository, or name a scenario")
        }
    }

    func run() async throws {
        try await CLI.guarded {
            let counts = try parsedChips()
            let w = workers ?? EngineOptions.defaultWorkers
            let base = try ScenarioLoader.load(scenario)
            let gridPackage = base.topology.package.shape == .mesh || base.topology.package.shape == .torus
            let status = StatusLine()
            defer { status.clear() }
            var points: [Point] = []
            for n in counts {
                status.show("running \(scenario) on \(n) chips")
                points.append(try runPoint(chips: n, workers: w, gridPackage: gridPackage))
                if !json {
                    status.clear()
                    let p = points.last!
                    print(
                        "\(CLI.pad(String(n), 5, right: true)) chips: \(CLI.pad(String(p.events), 11, right: true)) events, simulation "
                            + "\(Units.format(p.simulationSeconds, 2)) s, total \(Units.format(p.totalSeconds, 2)) s, "
                            + "\(CLI.rate(p.eventsPerSecond))events/s, peak \(Units.formatBytes(p.peakMemoryBytes))")
                }
            }
            status.show("running the PHOLD reference")
            let phold = PHOLD(partitions: 8, componentsPerPartition: 128, population: 8, endTime: 4_000_000, work: 0)
            let sim = try phold.build(options: EngineOptions(workers: w, stopTime: phold.endTime))
            let r = await sim.run()
            status.clear()
            let pholdRate = Double(r.events) / r.profile.wallSeconds
            let out = Output(
                scenario: scenario, workers: w, points: points,
                simulationExponent: Self.slope(points.map { (Double($0.events), $0.simulationSeconds) }),
                totalExponent: Self.slope(points.map { (Double($0.events), $0.totalSeconds) }),
                pholdEventsPerSecond: pholdRate, rateShareOfPHOLD: points.map { $0.eventsPerSecond / pholdRate })
            if json {
                try CLI.printJSON(out)
                return
            }
            print(
                "wall time ~ events^\(Units.format(out.simulationExponent, 3)) (simulation), events^\(Units.format(out.totalExponent, 3)) (whole run)"
            )
            print(
                "PHOLD on the engine: \(CLI.rate(pholdRate))events/s; the scenario runs at "
                    + out.rateShareOfPHOLD.map { "\(Units.format($0 * 100, 0)) %" }.joined(separator: ", ") + " of it")
        }
    }

    /// Runs one point in a child process and measures it.
    private func runPoint(chips n: Int, workers w: Int, gridPackage: Bool) throws(SpindleError) -> Point {
        var args = ["run", scenario, "--set", "chips=\(n)", "--set", "batch=\(n)"]
        if gridPackage { args += ["--set", "package.width=\(1 << Int((log2(Double(n)) / 2).rounded(.up)))"] }
        args += ["--workers", String(w), "--json", "--no-progress", "--allow-long"]
        let started = ContinuousClock.now
        let (output, peak, status) = try ChildProcess.run(binary ?? "/proc/self/exe", args)
        let total = CLI.seconds(since: started)
        guard status == 0,
            let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let events = object["events"] as? NSNumber, let run = object["run"] as? [String: Any],
            let wall = run["wall_s"] as? NSNumber
        else {
            throw SpindleError(
                .invalidValue, "spindle \(args.joined(separator: " ")) failed (exit status \(status))",
                hint: "Run that command alone to see its error")
        }
        return Point(
            chips: n, events: events.uint64Value, simulationSeconds: wall.doubleValue, totalSeconds: total,
            eventsPerSecond: events.doubleValue / max(wall.doubleValue, 1e-9), peakMemoryBytes: peak)
    }

    /// The least-squares slope of log y against log x.
    static func slope(_ xy: [(Double, Double)]) -> Double {
        let pts = xy.filter { $0.0 > 0 && $0.1 > 0 }.map { (log($0.0), log($0.1)) }
        guard pts.count >= 2 else { return .nan }
        let mx = pts.map(\.0).reduce(0, +) / Double(pts.count), my = pts.map(\.1).reduce(0, +) / Double(pts.count)
        let sxy = pts.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = pts.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        return sxx > 0 ? sxy / sxx : .nan
    }
}

/// Runs a program to completion, capturing its standard output and its peak memory.
enum ChildProcess {
    static func run(_ path: String, _ arguments: [String]) throws(SpindleError) -> (output: Data, peakMemoryBytes: UInt64, status: Int32) {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw SpindleError(.io, "cannot create a pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(pipe[1])
        guard spawned == 0 else {
            close(pipe[0])
            throw SpindleError(.io, "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        let reader = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true)
        let output = reader.readDataToEndOfFile()
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        let exited = status & 0x7F == 0
        return (output, UInt64(max(usage.ru_maxrss, 0)) * 1_024, exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
    }
}
