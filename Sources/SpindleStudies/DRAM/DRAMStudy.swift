import SpindleCore
import SpindleHardware

/// The traffic of DRAMsim3's stand-alone driver.
public enum DRAMTraffic: String, Sendable, CaseIterable {
    /// A new uniformly random 64-bit address whenever the last one was accepted (at most one request a
    /// cycle, the same one retried until accepted); writes with probability 1/3.
    case random
    /// Stream-add: two read streams and one write stream at consecutive 64-byte addresses over 2 MiB arrays
    /// from random bases; each of the three is offered at most once a cycle, and the streams move on when
    /// all three have been accepted.
    case stream
    /// A trace file (`--trace`): each request offered from its cycle on, one a cycle, in file order.
    case trace
}

/// One channel's figures in a DRAM study.
public struct DRAMChannelResult: Sendable, Codable {
    public var channel: Int
    public var statistics: DRAMController.Statistics
    public var bandwidthGBps: Double
    public var averageReadLatencyCycles: Double
    public var energyPJ: [String: Double]
    public var totalEnergyPJ: Double

    enum CodingKeys: String, CodingKey {
        case channel, statistics
        case bandwidthGBps = "bandwidth_gbps"
        case averageReadLatencyCycles = "average_read_latency_cycles"
        case energyPJ = "energy_pj"
        case totalEnergyPJ = "total_energy_pj"
    }
}

/// The result of a DRAM study run: the memory system at the top level, each channel under `channels`.
///
/// Energies are in DRAMsim3's units (mA x V x cycles, which DRAMsim3 prints as pJ).
public struct DRAMStudyResult: Sendable, Codable {
    public var config: String
    public var traffic: String
    /// Counts summed over the channels (`cycles` is the run's length).
    public var statistics: DRAMController.Statistics
    public var bandwidthGBps: Double
    public var averageReadLatencyCycles: Double
    public var averageReadLatencyNs: Double
    public var rowHitRate: Double
    public var energyPJ: [String: Double]
    public var totalEnergyPJ: Double
    public var unloadedReadLatencyCycles: Int
    public var unloadedReadLatencyNs: Double
    /// Peak and refresh-limited bandwidth of the whole system (all channels).
    public var peakBandwidthGBps: Double
    public var refreshLimitedBandwidthGBps: Double
    /// Ranks per channel.
    public var ranks: Int
    public var channelCount: Int
    /// HBM dual-command issue in effect.
    public var dualCommandIssue: Bool
    public var queueStructure: String
    /// DRAMsim3's warning when the channel is smaller than a rank.
    public var sizingNote: String?
    /// Keys the config left out, with the DRAMsim3 defaults they took.
    public var defaultedKeys: [String]
    public var channels: [DRAMChannelResult]

    enum CodingKeys: String, CodingKey {
        case config, traffic, statistics, ranks, channels
        case bandwidthGBps = "bandwidth_gbps"
        case averageReadLatencyCycles = "average_read_latency_cycles"
        case averageReadLatencyNs = "average_read_latency_ns"
        case rowHitRate = "row_hit_rate"
        case energyPJ = "energy_pj"
        case totalEnergyPJ = "total_energy_pj"
        case unloadedReadLatencyCycles = "unloaded_read_latency_cycles"
        case unloadedReadLatencyNs = "unloaded_read_latency_ns"
        case peakBandwidthGBps = "peak_bandwidth_gbps"
        case refreshLimitedBandwidthGBps = "refresh_limited_bandwidth_gbps"
        case channelCount = "channel_count"
        case dualCommandIssue = "hbm_dual_cmd"
        case queueStructure = "queue_structure"
        case sizingNote = "sizing_note"
        case defaultedKeys = "defaulted_keys"
    }
}

/// Runs DRAMsim3-style studies on the memory-system model, as DRAMsim3's driver: each cycle the memory
/// system ticks, then the generator offers its requests.
public enum DRAMStudy {
    /// DRAMsim3's generator seed (a default-constructed `std::mt19937_64`).
    public static let defaultSeed = MersenneTwister64.defaultSeed

    /// `progress` is told the fraction of `cycles` done, every 65,536 cycles. `trace` is needed for `.trace`.
    /// The generators draw from MT19937-64 seeded with `seed`; the default gives DRAMsim3's addresses.
    public static func run(
        _ config: DRAMConfig, traffic: DRAMTraffic, cycles: Int, seed: UInt64 = defaultSeed, trace: DRAMTrace? = nil,
        progress: ((Double) -> Void)? = nil
    ) -> DRAMStudyResult {
        var system = DRAMSystem(config: config)
        var rng = MersenneTwister64(seed: seed)
        switch traffic {
        case .random:
            var next: (UInt64, Bool)?
            for cycle in 0..<cycles {
                if cycle & 0xFFFF == 0 { progress?(Double(cycle) / Double(cycles)) }
                system.tick()
                if next == nil {
                    let address = rng.next()
                    next = (address, rng.next() % 3 == 0)
                }
                if let (a, w) = next, system.willAccept(address: a, isWrite: w) {
                    system.add(address: a, isWrite: w)
                    next = nil
                }
            }
        case .stream:
            let arrayBytes: UInt64 = 2 << 20, stride: UInt64 = 64
            var bases: [UInt64] = []
            var offset = arrayBytes
            var inserted = [false, false, false]
            for cycle in 0..<cycles {
                if cycle & 0xFFFF == 0 { progress?(Double(cycle) / Double(cycles)) }
                system.tick()
                if offset >= arrayBytes {
                    bases = (0..<3).map { _ in rng.next() }
                    offset = 0
                }
                for k in 0..<3 where !inserted[k] {
                    let write = k == 2, address = bases[k] &+ offset
                    if system.willAccept(address: address, isWrite: write) {
                        system.add(address: address, isWrite: write)
                        inserted[k] = true
                    }
                }
                if inserted.allSatisfy({ $0 }) {
                    offset += stride
                    inserted = [false, false, false]
                }
            }
        case .trace:
            let requests = trace?.requests ?? []
            var i = 0
            for cycle in 0..<cycles {
                if cycle & 0xFFFF == 0 { progress?(Double(cycle) / Double(cycles)) }
                system.tick()
                if i < requests.count, requests[i].cycle <= cycle,
                    system.willAccept(address: requests[i].address, isWrite: requests[i].isWrite)
                {
                    system.add(address: requests[i].address, isWrite: requests[i].isWrite)
                    i += 1
                }
            }
        }
        return result(system, traffic: traffic.rawValue)
    }

    static func energies(_ s: DRAMController.Statistics, _ k: DRAMConfig) -> [String: Double] {
        [
            "act": Double(s.activates) * k.activateEnergy, "read": Double(s.readCommands) * k.readEnergy,
            "write": Double(s.writeCommands) * k.writeEnergy, "refresh": Double(s.refreshes) * k.refreshEnergy,
            "active_standby": Double(s.activeCycles) * k.activeStandbyEnergy,
            "precharge_standby": Double(s.idleCycles) * k.prechargeStandbyEnergy,
        ]
    }

    static func result(_ system: DRAMSystem, traffic: String) -> DRAMStudyResult {
        let k = system.config
        var total = DRAMController.Statistics()
        var channels: [DRAMChannelResult] = []
        for (i, c) in system.channels.enumerated() {
            let s = c.stats
            total.add(s)
            let e = energies(s, k)
            channels.append(
                DRAMChannelResult(
                    channel: i, statistics: s, bandwidthGBps: bandwidth(s, k),
                    averageReadLatencyCycles: s.readsDone > 0 ? Double(s.readLatencySum) / Double(s.readsDone) : 0, energyPJ: e,
                    totalEnergyPJ: e.keys.sorted().reduce(0) { $0 + e[$1]! }))
        }
        total.cycles = system.channels.first?.stats.cycles ?? 0
        let energy = energies(total, k)
        let rw = max(total.readCommands + total.writeCommands, 1)
        let latency = total.readsDone > 0 ? Double(total.readLatencySum) / Double(total.readsDone) : 0
        return DRAMStudyResult(
            config: k.name, traffic: traffic, statistics: total, bandwidthGBps: bandwidth(total, k),
            averageReadLatencyCycles: latency, averageReadLatencyNs: latency * k.tCKns,
            rowHitRate: Double(total.readRowHits + total.writeRowHits) / Double(rw), energyPJ: energy,
            totalEnergyPJ: energy.keys.sorted().reduce(0) { $0 + energy[$1]! }, unloadedReadLatencyCycles: k.unloadedReadLatencyCycles,
            unloadedReadLatencyNs: k.unloadedReadLatencyNs, peakBandwidthGBps: k.peakBandwidthGBps * Double(k.channels),
            refreshLimitedBandwidthGBps: k.refreshLimitedBandwidthGBps * Double(k.channels), ranks: k.ranks, channelCount: k.channels,
            dualCommandIssue: k.dualCommandIssue, queueStructure: k.queueStructure.rawValue, sizingNote: k.sizingNote,
            defaultedKeys: k.defaultedKeys,
            channels: channels)
    }

    /// Reads completed plus writes accepted, times the request size, over the run's time (DRAMsim3's definition).
    static func bandwidth(_ s: DRAMController.Statistics, _ k: DRAMConfig) -> Double {
        Double(s.readsDone + s.writesDone) * Double(k.requestBytes) / max(Double(s.cycles) * k.tCKns, 1e-12)
    }
}
