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

/// A BookSim2 sweep of the shipped reference data: its config, overrides and runs.
func booksimSweep(_ label: String) throws -> (
    config: NoCStudyConfig, points: [(rate: String, offered: Double, stable: Bool, latency: Double)]
) {
    let cases = try String(contentsOfFile: try booksimFixture("sweeps/cases.csv"), encoding: .utf8).split(separator: "\n")
    let row = try #require(cases.first { $0.hasPrefix(label + ",") }).split(separator: ",", omittingEmptySubsequences: false).map(
        String.init)
    let config = try BookSimConfig.load(try booksimFixture(row[1]), overrides: row[2].split(separator: " ").map(String.init))
    let lines = try String(contentsOfFile: try booksimFixture("sweeps/\(label).csv"), encoding: .utf8).split(separator: "\n").dropFirst()
    let points = lines.map { line in
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return (rate: f[1], offered: Double(f[2])!, stable: f[3] == "1", latency: Double(f[4]) ?? .nan)
    }
    return (config, points)
}

@Suite("Cycle-level NoC against BookSim2")
struct NoCTests {
    @Test("Zero-load latency within 5 % of BookSim2, and its exact minimum and maximum", arguments: [0.02, 0.04])
    func zeroLoad(load: Double) throws {
        let reference = try #require(try booksimCurve()[load])
        let r = try runMesh(["injection_rate=\(load)"])
        #expect(abs(r.averagePacketLatency - reference.latency) / reference.latency < 0.05)
        #expect(r.minPacketLatency == 6)  // a packet to its own node: 2 + 4 cycles
        #expect(r.maxPacketLatency >= 62)  // 14 hops: 2 + 4 x 15 cycles with no contention
        #expect(abs(r.averageHops - 6.25) < 0.1)  // mean uniform distance + 1 on an 8x8 mesh
    }

    @Test("Latency within 10 % of BookSim2 up to 0.8 x saturation on the 8x8 mesh", arguments: [0.1, 0.2, 0.3, 0.32])
    func underLoad(load: Double) throws {
        let reference = try #require(try booksimCurve()[load])
        let r = try runMesh(["injection_rate=\(load)"])
        #expect(r.stable)
        #expect(
            abs(r.averagePacketLatency - reference.latency) / reference.latency < 0.10, "\(r.averagePacketLatency) vs \(reference.latency)")
        #expect(abs(r.acceptedFlitRate - reference.accepted) < 0.01)
    }

    @Test(
        "BookSim2's torus example and a 4x4 mesh: latency within 10 % at 0.5 x and 0.8 x saturation, saturation within 0.03 (the other sweeps run in spindle validate)",
        arguments: ["torus88", "mesh44"])
    func sweeps(label: String) throws {
        let (config, points) = try booksimSweep(label)
        let saturation = try #require(points.filter(\.stable).map(\.offered).max())
        func run(_ rate: String) -> NoCStudyResult {
            var c = config
            c.injectionRate = Double(rate)!
            var network = NoCNetwork(config: c)
            return network.run()
        }
        // The stable BookSim2 runs nearest 0.5 x and 0.8 x its saturation (at or below).
        for fraction in [0.5, 0.8] {
            let p = try #require(points.filter { $0.stable && $0.offered <= fraction * saturation + 1e-9 }.last)
            let r = run(p.rate)
            #expect(r.stable, "\(label) at \(p.offered)")
            #expect(
                abs(r.averagePacketLatency - p.latency) / p.latency < 0.10,
                "\(label) at \(p.offered): \(r.averagePacketLatency) vs \(p.latency)")
        }
        // Saturation within 0.03: stable 0.03 below BookSim2's, unstable past 0.03 above it.
        let below = try #require(points.filter { $0.offered <= saturation - 0.03 + 1e-9 }.last)
        #expect(run(below.rate).stable, "\(label) unstable at \(below.offered)")
        if let above = points.first(where: { $0.offered > saturation + 0.03 + 1e-9 }) {
            #expect(!run(above.rate).stable, "\(label) stable at \(above.offered)")
        }
    }

    @Test("Keys left out take BookSim2's defaults")
    func defaults() throws {
        let c = try BookSimConfig.parse("routing_function = dim_order;", file: "t")
        #expect(c.topology == .torus && c.k == 8 && c.n == 2)
        #expect(c.routingDelay == 1 && c.vcAllocDelay == 1 && c.swAllocDelay == 1 && c.crossbarDelay == 1)
        #expect(c.creditDelay == 0 && !c.waitForTailCredit && c.channelLatency == 2)  // use_noc_latency: torus wires are 2 cycles
        #expect(c.virtualChannels == 16 && c.bufferFlits == 8 && c.packetFlits == 1 && c.seed == 0 && c.injectionRate == 0.1)
        #expect(c.vcAllocIterations == 1 && c.swAllocIterations == 1)
        #expect(c.sampling == NoCSampling())
        let mesh = try BookSimConfig.parse("topology = mesh; routing_function = dor; use_noc_latency = 1;", file: "t")
        #expect(mesh.channelLatency == 1)
        let flat = try BookSimConfig.parse("routing_function = dim_order; use_noc_latency = 0;", file: "t")
        #expect(flat.channelLatency == 1)
    }

    @Test("alloc_iters does not reach BookSim2's router allocators; islip(N) does")
    func allocatorIterations() throws {
        let base = ["injection_rate=0.7", "k=4"]
        let one = try runMesh(base + ["alloc_iters=1"]), two = try runMesh(base + ["alloc_iters=2"])
        #expect(one == two)
        let c = try BookSimConfig.parse("routing_function = dim_order; sw_allocator = islip(3); vc_allocator = islip;", file: "t")
        #expect(c.swAllocIterations == 3 && c.vcAllocIterations == 1)
        let islip2 = try runMesh(base + ["sw_allocator=islip(2)"])
        #expect(islip2.averagePacketLatency < one.averagePacketLatency)
    }

    @Test("Credit delay counts in the credit loop: 0 is fastest, 8 throttles two-flit buffers")
    func creditDelay() throws {
        let base = ["injection_rate=0.25", "num_vcs=2", "vc_buf_size=2"]
        let zero = try runMesh(base + ["credit_delay=0"]), one = try runMesh(base + ["credit_delay=1"])
        let eight = try runMesh(base + ["credit_delay=8"])
        #expect(zero.averagePacketLatency <= one.averagePacketLatency)
        #expect(one.averagePacketLatency < eight.averagePacketLatency || !eight.stable)
    }

    @Test("Without wait_for_tail_credit a VC is reused before its last credit returns, which lowers torus latency under load")
    func waitForTailCredit() throws {
        let path = try booksimFixture("torus88")
        var early = NoCNetwork(config: try BookSimConfig.load(path, overrides: ["injection_rate=0.2"]))
        var late = NoCNetwork(config: try BookSimConfig.load(path, overrides: ["injection_rate=0.2", "wait_for_tail_credit=1"]))
        let a = early.run(), b = late.run()
        #expect(a.stable)
        #expect(a.averagePacketLatency < b.averagePacketLatency || !b.stable)
    }

    @Test("Torus VC classes as BookSim2's dim_order_torus: fixed on entering a dimension, ties at k/2 broken by a coin")
    func torusClasses() {
        let g = CubeGeometry(k: 8, n: 2, wraps: true)
        // Going + from x = 6 to x = 1 wraps: class 1. From 1 to 3: no wrap, class 0.
        #expect(g.enterTorusDimension(6, 1, 0) { false } == (true, 1))
        #expect(g.enterTorusDimension(1, 3, 0) { false } == (true, 0))
        // Going - from 3 to 1 does not wrap: class 1 (BookSim's rule); from 1 to 6 wraps: class 0.
        #expect(g.enterTorusDimension(3, 1, 0) { false } == (false, 1))
        #expect(g.enterTorusDimension(1, 6, 0) { false } == (false, 0))
        // Distance 4 of 8: either way, by the coin.
        #expect(g.enterTorusDimension(0, 4, 0) { true }.plus)
        #expect(!g.enterTorusDimension(0, 4, 0) { false }.plus)
    }

    @Test("BookSim2's permutation patterns send each node where BookSim2 does")
    func patternDestinations() {
        func d(_ t: NoCTraffic, _ s: Int, nodes: Int = 64, k: Int = 8, n: Int = 2) -> Int {
            t.destination(of: s, nodes: nodes, k: k, n: n) { 0 }
        }
        #expect(d(.bitcomp, 0b000101) == 0b111010)
        #expect(d(.transpose, 8 * 2 + 5) == 8 * 5 + 2)
        #expect(d(.bitrev, 0b000011) == 0b110000)
        #expect(d(.shuffle, 0b100001) == 0b000011)
        #expect(d(.tornado, 8 * 1 + 2) == 8 * 4 + 5)  // each digit + (k + 1) / 2 - 1 = 3
        #expect(d(.neighbor, 8 * 7 + 7) == 0)
    }

    @Test("The same config and seed give the same result; another seed another sample")
    func determinism() throws {
        let a = try runMesh(["injection_rate=0.3", "k=4"]), b = try runMesh(["injection_rate=0.3", "k=4"])
        #expect(a == b)
        let c = try runMesh(["injection_rate=0.3", "k=4", "seed=7"])
        #expect(c != a)
    }

    @Test("Bit-complement traffic takes its fixed route")
    func patterns() throws {
        let t = try runMesh(["traffic=bitcomp", "injection_rate=0.05"])
        // Bit complement on 8x8 sends (x, y) to (7 - x, 7 - y): mean |7 - 2x| = 4 per dimension, 9 routers.
        #expect(abs(t.averageHops - 9) < 0.1)
    }

    @Test("Bad configs name the line and the key; unmodelled BookSim2 features are refused by name")
    func badConfig() throws {
        let text = try String(contentsOfFile: try booksimFixture("meshconfig"), encoding: .utf8)
        func error(_ overrides: [String], _ source: String? = nil) -> SpindleError? {
            do {
                _ = try BookSimConfig.parse(source ?? text, file: "m", overrides: overrides)
                return nil
            } catch { return error }
        }
        #expect(error([], text.replacingOccurrences(of: "num_vcs     = 16;", with: "num_vc = 16;"))?.hint == "Did you mean 'num_vcs'?")
        #expect(error(["injection_rate=lots"])?.location?.file == "command line")
        #expect(error(["topology=fly"])?.choices == ["mesh", "torus"])
        for refused in [
            "output_speedup=2", "internal_speedup=2.0", "vc_allocator=separable_input_first", "sim_type=throughput", "speculative=1",
            "injection_process=on_off", "use_read_write=1", "hold_switch_for_packet=1", "classes=2", "sim_power=1",
        ] {
            let e = error([refused])
            #expect(e?.kind == .unsupported, "\(refused)")
            #expect(e?.message.contains(String(refused.split(separator: "=")[0])) == true, "\(refused)")
        }
        #expect(error(["topology=torus"])?.kind == .unsupported)  // BookSim has no dor_torus
        #expect(error([], "topology = mesh;")?.kind == .missingKey)  // no routing_function
        #expect(error(["traffic=transpose", "k=8", "n=1"])?.kind == .invalidValue)  // 8 nodes: an odd power of two
        #expect(error(["seed=time"])?.kind == .unsupported)
        // Keys that only change BookSim2's printed output are accepted.
        #expect(error(["print_csv_results=1", "watch_out=-", "deadlock_warn_timeout=9"]) == nil)
    }
}
