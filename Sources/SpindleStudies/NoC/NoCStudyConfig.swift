import Foundation
import SpindleCore

/// Settings of a cycle-level NoC study, with BookSim2's names and defaults.
///
/// Every field starts at BookSim2's default, so a config that leaves a key out behaves as it does in
/// BookSim2 (`topology` torus, routing delay 1, credit delay 0, 1 allocator iteration, seed 0, ...).
public struct NoCStudyConfig: Sendable, Equatable {
    public enum Topology: String, Sendable, CaseIterable { case mesh, torus, ring }
    public var topology: Topology = .torus
    /// Routers per dimension.
    public var k = 8
    /// Dimensions (ring: 1).
    public var n = 2
    public var virtualChannels = 16
    public var bufferFlits = 8
    public var packetFlits = 1
    public var traffic: NoCTraffic = .uniform
    /// Offered load per node per cycle (packets, or flits with `injectionInFlits`).
    public var injectionRate = 0.1
    public var injectionInFlits = false
    /// Router pipeline, in cycles: route computation (0 = lookahead, computed one router earlier), VC
    /// allocation, switch allocation, and switch traversal (`st_prepare_delay + st_final_delay`).
    public var routingDelay = 1
    public var vcAllocDelay = 1
    public var swAllocDelay = 1
    public var crossbarDelay = 1
    /// Cycles a flit or credit spends on a router-to-router channel (BookSim's `use_noc_latency`: 1 on a
    /// mesh, 2 on a torus or ring, whose folded layout doubles the wire). Injection and ejection channels take 1.
    public var channelLatency = 2
    /// Cycles a router holds a received credit before using it.
    public var creditDelay = 0
    /// When true an output VC is reallocated only after the credit for its packet's tail returns; when
    /// false (BookSim's default) as soon as the tail has been sent, so one input buffer can hold two packets.
    public var waitForTailCredit = false
    /// Crossbar inputs per input port; VC v uses input `v % inputSpeedup`.
    public var inputSpeedup = 1
    /// iSLIP iterations of the VC and switch allocators. BookSim2's input-queued router builds its
    /// allocators without the config, so `alloc_iters` never reaches them: they take one iteration unless
    /// the allocator is written `islip(N)`.
    public var vcAllocIterations = 1
    public var swAllocIterations = 1
    public var sampling = NoCSampling()
    public var seed: UInt64 = 0
    public init() {}

    public var nodes: Int { n == 1 ? k : k * k }
    /// Offered load in flits per node per cycle.
    public var offeredFlitRate: Double { injectionInFlits ? injectionRate : injectionRate * Double(packetFlits) }
    /// Packets per node per cycle.
    public var packetRate: Double { injectionInFlits ? injectionRate / Double(packetFlits) : injectionRate }
}

/// How a NoC study decides when it has measured enough: BookSim2's sample periods and stopping rule.
///
/// The run proceeds in periods of `samplePeriod` cycles, at most `maxSamples` in all (warm-up included).
/// After `warmupPeriods` periods it measures packets created from then on, until three consecutive periods
/// change the average latency and the accepted rate by no more than the stopping thresholds; then it drains
/// the measured packets. An average latency above `latencyThreshold` (in-flight packets counted by their age)
/// or no convergence within `maxSamples` makes the run unstable: the load is past saturation. With `fixed`,
/// the run measures all `maxSamples - warmupPeriods` periods without testing convergence.
public struct NoCSampling: Sendable, Equatable {
    public var warmupPeriods = 3
    public var samplePeriod = 1_000
    public var maxSamples = 10
    /// Cycles; negative disables the check.
    public var latencyThreshold = 500.0
    /// Relative change allowed between periods for latency and accepted rate (negative: not checked).
    public var warmupThreshold = 0.05
    public var acceptedWarmupThreshold = 0.05
    public var stoppingThreshold = 0.05
    public var acceptedStoppingThreshold = 0.05
    /// Measure every period up to `maxSamples` instead of stopping on convergence.
    public var fixed = false
    public init() {}

    /// The longest a run can take before its drain, in cycles.
    public var maximumCycles: Int { maxSamples * samplePeriod }
}

/// Results of a NoC study run, in the terms BookSim reports.
public struct NoCStudyResult: Sendable, Codable, Equatable {
    public var offeredLoad: Double
    public var averagePacketLatency: Double
    public var averageNetworkLatency: Double
    public var minPacketLatency: Int
    public var maxPacketLatency: Int
    /// Flits accepted (ejected) per node per cycle during the measurement window.
    public var acceptedFlitRate: Double
    /// Routers traversed per packet.
    public var averageHops: Double
    public var measuredPackets: Int
    /// False past saturation: the latency threshold was exceeded, the run did not converge within
    /// `max_samples`, or the measured packets did not drain.
    public var stable: Bool
    /// Why the run is unstable (nil when stable).
    public var instability: String?
    /// Sample periods run, warm-up included.
    public var samplePeriods: Int
    public var cycles: Int

    enum CodingKeys: String, CodingKey {
        case stable, instability, cycles
        case offeredLoad = "load"
        case averagePacketLatency = "avg_packet_latency"
        case averageNetworkLatency = "avg_network_latency"
        case minPacketLatency = "min_packet_latency"
        case maxPacketLatency = "max_packet_latency"
        case acceptedFlitRate = "avg_accepted_flit_rate"
        case averageHops = "avg_hops"
        case measuredPackets = "measured_packets"
        case samplePeriods = "sample_periods"
    }
}
