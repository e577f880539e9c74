/// Helpers shared by the scenario and run tests: repository paths, temporary files, small scenarios.
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleScenario
import SpindleWorkload

/// The repository root, found from this file's path.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

public func repoPath(_ relative: String) -> String { repositoryRoot + "/" + relative }

/// A fresh temporary folder holding the given files (path -> text).
public func temporaryFiles(_ files: [String: String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-test-\(UUID().uuidString)")
    for (name, text) in files {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return dir.path
}

/// The shipped technology file, so that topology fixtures can point at a valid one.
public let technologyText: String = try! String(contentsOfFile: repoPath("topologies/tech/horowitz45.yaml"), encoding: .utf8)

/// A minimal valid topology; tests replace parts of it.
public let baseTopology = """
    name: t
    technology: tech.yaml
    chips: 1
    noc:
      width: 2
      height: 1
      router_latency: 3 ns
      link_latency: 1 ns
      link_bandwidth: 32 GB/s
    tile_types:
      pe:
        kind: pe-array
        macs_per_cycle: 16
        clock: 1 GHz
        buffer: 64 KiB
    tiles:
      - type: pe
        at: [[1, 0]]
    dram:
      - at: [0, 0]
        bandwidth: 1 GB/s
        latency: 40 ns
    """

/// Loads `topology` (with the real technology file beside it) and returns the error it raises.
public func topologyError(_ topology: String) throws -> SpindleError? {
    let dir = try temporaryFiles(["t.yaml": topology, "tech.yaml": technologyText])
    do {
        _ = try TopologyLoader.load(dir + "/t.yaml")
        return nil
    } catch {
        return error
    }
}

/// DRAM bytes a schedule moves, in closed form: tile jobs' weights, inputs and outputs, plus package data
/// staged through DRAM (a send reads its bytes and the receiver writes them; a ring all-reduce of n chips
/// reads n chunks and writes 2(n-1) chunks per member, a reduce-scatter n and n-1, an all-gather 1 and n-1).
public func expectedDRAMBytes(_ schedule: Schedule) -> (read: UInt64, written: UInt64) {
    var read: UInt64 = 0, written: UInt64 = 0
    for steps in schedule.chips {
        for s in steps {
            for j in s.jobs {
                read += j.weightBytes + j.inputBytes
                written += j.outputBytes
            }
            for x in s.sends {
                read += x.bytes
                written += x.bytes
            }
            if let ar = s.allReduce, ar.group.count > 1 {
                let n = UInt64(ar.group.count)
                let (r, w): (UInt64, UInt64)
                switch ar.kind {
                case .allReduce: (r, w) = (n, 2 * (n - 1))
                case .reduceScatter: (r, w) = (n, n - 1)
                case .allGather: (r, w) = (1, n - 1)
                }
                read += r * ar.chunkBytes
                written += w * ar.chunkBytes
            }
        }
    }
    return (read, written)
}

/// Runs a prepared scenario once per worker count; the reports leave out the run facts (wall time, rates),
/// so that they can be compared byte for byte.
public func reportsByWorkers(_ prepared: ScenarioRunner.Prepared, _ workers: [Int]) async throws -> [RunReport] {
    var reports: [RunReport] = []
    for w in workers {
        var r = try await ScenarioRunner.run(prepared, options: EngineOptions(workers: w))
        r.run = nil
        reports.append(r)
    }
    return reports
}

/// The four-chip spin training scenario with the tiny CNN, dense: small enough for debug-build tests.
public func tinyTrainingScenario() throws -> Scenario {
    var s = try ScenarioLoader.load(repoPath("scenarios/resnet18-spin-training.yaml"))
    s.network = ModelZoo.network(named: "tiny-cnn")!
    s.compression = nil
    return s
}
