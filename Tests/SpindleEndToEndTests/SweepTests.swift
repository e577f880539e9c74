import Foundation
import Testing

@Suite("spindle sweep: nothing lost, nothing stale", .serialized)
struct SweepCLITests {
    static func scenario(model: String) -> String {
        """
        name: sweep-test
        topology: \(packageRoot)/topologies/four-chip-4x4.yaml
        model: \(model)
        mapping: simple
        sweep:
          batch: [1, 2]
          seed: [1, 2]

        """
    }

    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The point files' JSON without the wall-clock `run` part.
    func results(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasPrefix("point-") {
            var j = try json(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
            j["run"] = nil
            out[name] = try JSONSerialization.data(withJSONObject: j, options: [.sortedKeys])
        }
        return out
    }

    @Test("Editing the scenario recomputes the points it changes; an unchanged rerun reuses them all")
    func editedScenarioIsRecomputed() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.yaml").path
        let out = dir.appendingPathComponent("r").path
        try Self.scenario(model: "tiny-cnn").write(toFile: file, atomically: true, encoding: .utf8)
        let first = try spindle(["sweep", file, "--out", out, "--workers", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try results(URL(fileURLWithPath: out))
        #expect(before.count == 4)
        let again = try spindle(["sweep", file, "--out", out, "--workers", "1"])
        #expect(again.stdout.components(separatedBy: "already done").count - 1 == 4)
        // Same name, same swept values, different model: every point must run again.
        try Self.scenario(model: "lenet-5").write(toFile: file, atomically: true, encoding: .utf8)
        let edited = try spindle(["sweep", file, "--out", out, "--workers", "1"])
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(!edited.stdout.contains("already done"))
        #expect(edited.stdout.components(separatedBy: "simulating again").count - 1 == 4)
        let after = try results(URL(fileURLWithPath: out))
        for (name, data) in after { #expect(before[name] != data, "\(name) was not recomputed") }
        let summary = try String(contentsOfFile: out + "/summary.csv", encoding: .utf8)
        #expect(summary.split(separator: "\n").count == 5)
    }

    @Test("--jobs 2 writes the same results as a serial sweep; files of another sweep are named, not summarised")
    func parallelAndForeign() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.yaml").path
        try Self.scenario(model: "tiny-cnn").write(toFile: file, atomically: true, encoding: .utf8)
        let serial = dir.appendingPathComponent("serial").path, parallel = dir.appendingPathComponent("parallel").path
        try FileManager.default.createDirectory(atPath: parallel, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: parallel + "/point-017.json"))
        #expect(try spindle(["sweep", file, "--out", serial, "--workers", "1"]).status == 0)
        let r = try spindle(["sweep", file, "--out", parallel, "--workers", "1", "--jobs", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("point-017.json"))
        var p = try results(URL(fileURLWithPath: parallel))
        p["point-017.json"] = nil
        #expect(p == (try results(URL(fileURLWithPath: serial))))
        let summary = try String(contentsOfFile: parallel + "/summary.csv", encoding: .utf8)
        #expect(summary.split(separator: "\n").count == 5)
    }

    @Test("A bad swept value fails before any point runs, at its line")
    func badValueFirst() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.yaml").path
        try Self.scenario(model: "tiny-cnn").replacingOccurrences(of: "seed: [1, 2]", with: "seed: [1,\n    -2]")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("r").path
        let r = try spindle(["sweep", file, "--out", out, "--workers", "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("s.yaml:8:5"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/point-001.json"))
    }

    @Test("--out writes through a symbolic link and keeps the file's mode")
    func outThroughSymlink() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.json").path, link = dir.appendingPathComponent("link.json").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: target)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.json")
        let r = try spindle(["run", "\(packageRoot)/scenarios/four-chip-batch16.yaml", "--workers", "1", "--out", link, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "target.json")
        let written = try json(try String(contentsOfFile: target, encoding: .utf8))
        #expect(written["latency_ps"] is Int)
        let mode = (try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o640)
    }
}
