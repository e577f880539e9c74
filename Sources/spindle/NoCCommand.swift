import ArgumentParser
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleStudies
import SpindleWorkload

struct NoCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noc",
        abstract: "Run a BookSim2-style config on the cycle-level NoC model and report latency and throughput.",
        discussion: "Extra key=value arguments override the file, as with BookSim (e.g. injection_rate=0.3).")

    @Argument(help: "BookSim2 configuration file.")
    var config: String
    @Argument(help: "key=value overrides.")
    var overrides: [String] = []
    @Flag(help: "Measure every sample period up to max_samples instead of stopping on BookSim2's convergence rule.")
    var fixedSampling = false
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @OptionGroup var long: LongWorkFlags

    func run() async throws {
        try await CLI.guarded {
            var c = try BookSimConfig.load(config, overrides: overrides)
            c.sampling.fixed = fixedSampling
            let routers = pow(Double(c.k), Double(c.n))
            let cycles = Double(c.sampling.maximumCycles)
            try long.check(
                "simulating \(Int(routers)) routers for up to \(Int(cycles)) cycles", units: routers * cycles, unitName: "router-cycles",
                perSecond: 5e5, hint: "Lower k, sample_period, max_samples or warmup_periods")
            let clock = ContinuousClock.now
            var network = NoCNetwork(config: c)
            let status = StatusLine()
            let r = network.run { f in
                status.show("simulating the network: \(Units.format(f * 100, 0)) % of max_samples")
            }
            status.clear()
            let wall = CLI.seconds(since: clock)
            if r.measuredPackets == 0 {
                CLI.warning(
                    "no packet was measured (injection_rate \(c.injectionRate)), so the latencies and throughput are not measurements")
            }
            if json {
                try CLI.printJSON(NoCOutput(result: r, wallSeconds: wall, cyclesPerSecond: Double(r.cycles) / wall))
                return
            }
            print(
                "\(c.k)-ary \(c.n)-\(c.topology.rawValue), \(c.virtualChannels) VCs x \(c.bufferFlits) flits, \(c.packetFlits)-flit packets, \(c.traffic.rawValue) traffic, offered \(Units.format(r.offeredLoad, 3)) flits/node/cycle"
            )
            print(
                "  average packet latency   \(Units.format(r.averagePacketLatency, 3)) cycles (min \(r.minPacketLatency), max \(r.maxPacketLatency))\(r.stable ? "" : "  UNSTABLE: past saturation")"
            )
            print("  average network latency  \(Units.format(r.averageNetworkLatency, 3)) cycles")
            print("  accepted throughput      \(Units.format(r.acceptedFlitRate, 4)) flits/node/cycle")
            print("  average hops             \(Units.format(r.averageHops, 3)) routers")
            print(
                "  measured packets         \(r.measuredPackets) in \(r.cycles) cycles; wall \(Units.format(wall, 3)) s (\(CLI.rate(Double(r.cycles) / wall))cycles/s)"
            )
        }
    }
}

struct NoCOutput: Encodable {
    let result: NoCStudyResult
    let wallSeconds: Double
    let cyclesPerSecond: Double
    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(["wall_s": wallSeconds, "cycles_per_s": cyclesPerSecond], forKey: .run)
    }
    enum Keys: String, CodingKey { case run }
}
