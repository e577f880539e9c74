import SpindleCore
import SpindleHardware

/// The traffic generators of DRAMsim3's stand-alone driver.
public enum DRAMTraffic: String, Sendable, CaseIterable {
    /// A new uniformly random 64-bit address whenever the last one was accepted; writes with probability 1/3.
    case random
    /// Stream-add: two read streams and one write stream at consecutive requests over 2 MiB arrays.
    case stream
}

/// The result of a DRAM study run.
public struct DRAMStudyResult: Sendable, Codable {
    public var config: String
    public var traffic: String
    public var statistics: DRAMController.Statistics
    public var bandwidthGBps: Double
    public var averageReadLatencyCycles: Double
    public var averageReadLatencyNs: Double
    public var rowHitRate: Double
    public var energyPJ: [String: Double]
    public var totalEnergyPJ: Double
    public var unloadedReadLatencyCycles: Int
    public var unloadedReadLatencyNs: Double
    public var peakBandwidthGBps: Double
    public var refreshLimitedBandwidthGBps: Double
    public var ranks: Int
    /// Channels in the config; figures are for one channel.
    public var channels: Int

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
    }
}

/// Runs DRAMsim3-style studies on the controller model.
public enum DRAMStudy {
    /// `progress` is told the fraction of `cycles` done, every 65,536 cycles.
    public static func run(
        _ config: DRAMConfig, traffic: DRAMTraffic, cycles: Int, seed: UInt64 = 1, progress: ((Double) -> Void)? = nil
    ) -> DRAMStudyResult {
        var controller = DRAMController(config: config)
        var rng = RandomStream(seed: seed)
        let bytes = UInt64(config.requestBytes)
        switch traffic {
        case .random:
            var next: (UInt64, Bool)?
            for cycle in 0..<cycles {
                if cycle & 0xFFFF == 0 { progress?(Double(cycle) / Double(cycles)) }
                if next == nil { next = (rng.next(), rng.nextBelow(3) == 0) }
                if let (a, w) = next, controller.willAccept(isWrite: w) {
                    controller.add(address: a, isWrite: w)
                    next = nil
                }
                controller.tick()
            }
        case .stream:
            let arrayBytes: UInt64 = 2 << 20
            var bases: [UInt64] = []
            var offset = arrayBytes
            var inserted = [false, false, false]
            for cycle in 0..<cycles {
                if cycle & 0xFFFF == 0 { progress?(Double(cycle) / Double(cycles)) }
                if offset >= arrayBytes {
                    bases = (0..<3).map { _ in rng.next() }
                    offset = 0
                }
                for k in 0..<3 where !inserted[k] {
                    let write = k == 2
                    if controller.willAccept(isWrite: write) {
                        controller.add(address: bases[k] &+ offset, isWrite: write)
                        inserted[k] = true
                    }
                }
                if inserted.allSatisfy({ $0 }) {
                    offset += bytes
                    inserted = [false, false, false]
                }
                controller.tick()
            }
        }
        return result(controller, traffic: traffic.rawValue)
    }

    static func result(_ c: DRAMController, traffic: String) -> DRAMStudyResult {
        let s = c.stats, k = c.config
        let seconds = Double(s.cycles) * k.tCKns
        let energy: [String: Double] = [
            "act": Double(s.activates) * k.activateEnergy, "read": Double(s.readCommands) * k.readEnergy,
            "write": Double(s.writeCommands) * k.writeEnergy, "refresh": Double(s.refreshes) * k.refreshEnergy,
            "active_standby": Double(s.activeCycles) * k.activeStandbyEnergy,
            "precharge_standby": Double(s.idleCycles) * k.prechargeStandbyEnergy,
        ]
        let rw = max(s.readCommands + s.writeCommands, 1)
        let latency = s.readsDone > 0 ? Double(s.readLatencySum) / Double(s.readsDone) : 0
        return DRAMStudyResult(
            config: k.name, traffic: traffic, statistics: s,
            bandwidthGBps: Double(s.readsDone + s.writesDone) * Double(k.requestBytes) / max(seconds, 1e-12),
            averageReadLatencyCycles: latency, averageReadLatencyNs: latency * k.tCKns,
            rowHitRate: Double(s.readRowHits + s.writeRowHits) / Double(rw), energyPJ: energy,
            totalEnergyPJ: energy.keys.sorted().reduce(0) { $0 + energy[$1]! }, unloadedReadLatencyCycles: k.unloadedReadLatencyCycles,
            unloadedReadLatencyNs: k.unloadedReadLatencyNs, peakBandwidthGBps: k.peakBandwidthGBps,
            refreshLimitedBandwidthGBps: k.refreshLimitedBandwidthGBps, ranks: k.ranks, channels: k.channels)
    }
}
