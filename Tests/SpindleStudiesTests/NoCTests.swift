import Foundation
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleHardware
@testable import SpindleStudies

func booksimFixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures/booksim2/" + name, withExtension: nil)).path
}

/// BookSim2's average packet latency and accepted rate at each offered load of the reference sweep.
func booksimCurve() throws -> [Double: (latency: Double, accepted: Double)] {
    let text = try String(contentsOfFile: try booksimFixture("booksim2_latency_vs_injection.csv"), encoding: .utf8)
    let lines = text.split(separator: "\n")
    let header = lines[0].split(separator: ",").map(String.init)
    let load = header.firstIndex(of: "load")!, latency = header.firstIndex(of: "avg_packet_latency")!
    let accepted = header.firstIndex(of: "avg_accepted_flit_rate")!
    var out: [Double: (Double, Double)] = [:]
    for line in lines.dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard f.count > accepted, let l = Double(f[load]), let lat = Double(f[latency]), let acc = Double(f[accepted]) else { continue }
        out[l] = (lat, acc)
    }
    return out
}

func runMesh(_ overrides: [String]) throws -> NoCStudyResult {
    var network = NoCNetwork(config: try BookSimConfig.load(try booksimFixture("meshconfig"), overrides: overrides))
    return network.run()
}

@Suite("Cycle-level NoC against BookSim2", .serialized)
struct NoCTests {
    @Test("Zero-load latency within 5 % of BookSim2, and its exact minimum and maximum", arguments: [0.02, 0.04])
    func zeroLoad(load: Double) throws {
        let reference = try #require(try booksimCurve()[load])
        let r = try runMesh(["injection_rate=\(load)", "max_samples=5"])
        #expect(abs(r.averagePacketLatency - reference.latency) / reference.latency < 0.05)
        #expect(r.minPacketLatency == 6)  // a packet to its own node: 2 + 4 cycles
        #expect(r.maxPacketLatency >= 62)  // 14 hops: 2 + 4 x 15 cycles with no contention
        #expect(abs(r.averageHops - 6.25) < 0.1)  // mean uniform distance + 1 on an 8x8 mesh
    }

    @Test("Latency within 10 % of BookSim2 up to 0.8 x saturation", arguments: [0.1, 0.2, 0.3, 0.32])
    func underLoad(load: Double) throws {
        let reference = try #require(try booksimCurve()[load])
        let r = try runMesh(["injection_rate=\(load)", "max_samples=4"])
        #expect(r.stable)
        #expect(
            abs(r.averagePacketLatency - reference.latency) / reference.latency < 0.10, "\(r.averagePacketLatency) vs \(reference.latency)")
        #expect(abs(r.acceptedFlitRate - reference.accepted) < 0.01)
    }

    @Test("Saturation throughput within 0.03 of BookSim2's 0.4156 flits/node/cycle")
    func saturation() throws {
        let curve = try booksimCurve()
        let reference = curve.values.map(\.accepted).max()!
        #expect(abs(reference - 0.4156) < 0.0005)
        let r = try runMesh(["injection_rate=0.6", "max_samples=2", "warmup_periods=2"])
        #expect(!r.stable)
        #expect(abs(r.acceptedFlitRate - reference) < 0.03, "\(r.acceptedFlitRate)")
    }

    @Test("A zero credit delay returns credits in the next cycle: never slower than a delay of 1, faster than 8")
    func zeroCreditDelay() throws {
        // Two VCs of 2 flits make credits the bottleneck under load.
        let base = ["injection_rate=0.25", "max_samples=2", "num_vcs=2", "vc_buf_size=2"]
        let zero = try runMesh(base + ["credit_delay=0"]), one = try runMesh(base + ["credit_delay=1"])
        let eight = try runMesh(base + ["credit_delay=8"])
        #expect(zero.averagePacketLatency == one.averagePacketLatency)
        #expect(zero.averagePacketLatency < eight.averagePacketLatency)
    }

    @Test("Torus and ring routes do not deadlock under load and are shorter than the mesh's")
    func torusAndRing() throws {
        let torus = try runMesh(["topology=torus", "injection_rate=0.3", "max_samples=2"])
        #expect(torus.stable)
        #expect(abs(torus.averageHops - 5.0) < 0.1)  // mean torus distance 4 (k = 8) + 1
        let ring = try runMesh(["topology=torus", "n=1", "injection_rate=0.2", "max_samples=2"])
        #expect(ring.stable)
        #expect(ring.minPacketLatency == 6)
    }

    @Test("Transpose and bit-complement traffic run and take their fixed routes")
    func patterns() throws {
        let t = try runMesh(["traffic=bitcomp", "injection_rate=0.05", "max_samples=2"])
        // Bit complement on 8x8 sends (x, y) to (7 - x, 7 - y): mean |7 - 2x| = 4 per dimension, 9 routers.
        #expect(abs(t.averageHops - 9) < 0.1)
        let tr = try runMesh(["traffic=transpose", "injection_rate=0.05", "max_samples=2"])
        #expect(tr.stable && tr.averageHops > 1)
    }

    @Test("Bad configs name the line and the key")
    func badConfig() throws {
        let text = try String(contentsOfFile: try booksimFixture("meshconfig"), encoding: .utf8)
        #expect {
            _ = try BookSimConfig.parse(text.replacingOccurrences(of: "num_vcs     = 16;", with: "num_vc = 16;"), file: "m")
        } throws: { ($0 as? SpindleError)?.hint == "Did you mean 'num_vcs'?" }
        #expect {
            _ = try BookSimConfig.parse(text.replacingOccurrences(of: "vc_alloc_delay = 1;", with: "vc_alloc_delay = 2;"), file: "m")
        } throws: { ($0 as? SpindleError)?.kind == .unsupported }
        #expect {
            _ = try BookSimConfig.parse(text, file: "m", overrides: ["injection_rate=lots"])
        } throws: { ($0 as? SpindleError)?.location?.file == "command line" }
        #expect {
            _ = try BookSimConfig.parse(text, file: "m", overrides: ["topology=fly"])
        } throws: { ($0 as? SpindleError)?.choices == ["mesh", "torus"] }
    }
}
