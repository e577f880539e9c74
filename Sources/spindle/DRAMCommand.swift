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

struct DRAMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dram",
        abstract: "Run a DRAMsim3 .ini config on the JEDEC memory-system model with random, stream or trace traffic.",
        discussion: """
            Simulates every channel of the config, with its address mapping, driven as DRAMsim3's driver drives \
            it. Reports the system's bandwidth, average read latency, row-buffer hits, command counts and energy \
            (in DRAMsim3's units, computed from the IDD currents), then each channel, plus the closed-form \
            unloaded latency and peak bandwidth.
            """)

    @Argument(help: "DRAMsim3 .ini file.")
    var config: String
    @Option(help: "Traffic: DRAMsim3's random or stream generator.")
    var stream: DRAMTraffic = .random
    @Option(help: "A trace in DRAMsim3's format (<hex address> <READ|WRITE> <cycle> per line) instead of a generator.")
    var trace: String?
    @Option(help: "DRAM clock cycles to simulate.")
    var cycles: Int = 100_000
    @Option(help: "Seed of the traffic generator (MT19937-64; the default, 5489, gives DRAMsim3's own addresses).")
    var seed: UInt64 = DRAMStudy.defaultSeed
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @OptionGroup var long: LongWorkFlags

    func validate() throws {
        try CLI.check(cycles, "--cycles", 1...1_000_000_000, "DRAM clock cycles")
        if stream == .trace && trace == nil {
            throw ValidationError("--stream trace needs --trace FILE")
        }
    }

    func run() async throws {
        try await CLI.guarded {
            let traffic = trace == nil ? stream : .trace
            guard cycles >= 1 else { throw SpindleError(.invalidValue, "--cycles must be at least 1 (got \(cycles))") }
            let cfg = try DRAMIni.load(config)
            let requests = try trace.map { path throws(SpindleError) in try DRAMTrace.load(path) }
            if let note = cfg.sizingNote { CLI.warning(note) }
            for bad in cfg.negativeEnergies {
                CLI.warning(
                    "the currents give a negative \(bad.command) energy (\(bad.condition) fails), so the energies are not meaningful; the timing is (DRAMsim3 runs it the same way)"
                )
            }
            try long.check(
                "simulating \(cycles) DRAM cycles on \(cfg.channels) channel(s)", units: Double(cycles) * Double(cfg.channels),
                unitName: "channel-cycles",
                perSecond: 1.5e6, hint: "Lower --cycles")
            let clock = ContinuousClock.now
            let status = StatusLine()
            let r = DRAMStudy.run(cfg, traffic: traffic, cycles: cycles, seed: seed, trace: requests) { f in
                status.show("simulating \(cycles) DRAM cycles: \(Units.format(f * 100, 0)) %")
            }
            status.clear()
            let wall = CLI.seconds(since: clock)
            if r.bandwidthGBps > r.peakBandwidthGBps * 1.000_001 {
                CLI.warning(
                    "the measured bandwidth \(Units.format(r.bandwidthGBps, 3)) GB/s is above the peak \(Units.format(r.peakBandwidthGBps, 3)) GB/s; "
                        + (cycles < 100_000
                            ? "\(cycles) cycles are too few for a steady-state figure (writes count when they are buffered): raise --cycles"
                            : "the config's burst length and timing are inconsistent with its data rate"))
            }
            if r.statistics.readsDone + r.statistics.writesDone == 0 {
                CLI.warning("no request completed in \(cycles) cycles, so the bandwidth and latency are not measurements; raise --cycles")
            }
            if json {
                try CLI.printJSON(DRAMOutput(result: r, wallSeconds: wall))
                return
            }
            let s = r.statistics
            print(
                "\(r.config), \(r.traffic) traffic, \(s.cycles) cycles: \(r.channelCount) channel(s) of \(r.ranks) rank(s), \(r.queueStructure) queues\(r.dualCommandIssue ? ", HBM dual-command issue" : ""); figures for the whole system"
            )
            print(
                "  bandwidth            \(Units.format(r.bandwidthGBps, 4)) GB/s   (peak \(Units.format(r.peakBandwidthGBps, 3)), refresh-limited \(Units.format(r.refreshLimitedBandwidthGBps, 3)))"
            )
            print(
                "  average read latency \(Units.format(r.averageReadLatencyCycles, 1)) cycles = \(Units.format(r.averageReadLatencyNs, 1)) ns   (unloaded \(r.unloadedReadLatencyCycles) cycles = \(Units.format(r.unloadedReadLatencyNs, 2)) ns)"
            )
            print("  reads / writes done  \(s.readsDone) / \(s.writesDone)")
            print("  row hits             \(s.readRowHits) reads, \(s.writeRowHits) writes (\(Units.format(r.rowHitRate * 100, 1)) %)")
            print(
                "  commands             ACT \(s.activates), PRE \(s.precharges), RD \(s.readCommands), WR \(s.writeCommands), REF \(s.refreshes)"
            )
            print("  energy               \(Units.format(r.totalEnergyPJ, 0)) (DRAMsim3 units: mA x V x cycles)")
            if r.channels.count > 1 {
                print("  per channel          bandwidth GB/s, avg read latency cycles, ACT")
                for c in r.channels {
                    print(
                        "    channel \(c.channel)  \(Units.format(c.bandwidthGBps, 3))  \(Units.format(c.averageReadLatencyCycles, 1))  \(c.statistics.activates)"
                    )
                }
            }
            if !r.defaultedKeys.isEmpty {
                print("  DRAMsim3 defaults    \(r.defaultedKeys.joined(separator: ", ")) (keys the config leaves out)")
            }
            print("  wall time            \(Units.format(wall, 3)) s")
        }
    }
}

struct DRAMOutput: Encodable {
    let result: DRAMStudyResult
    let wallSeconds: Double
    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(["wall_s": wallSeconds], forKey: .run)
    }
    enum Keys: String, CodingKey { case run }
}
