import SpindleCore

/// The machine a training plan is costed on: chips with their peak rate and memory, grouped in nodes whose
/// chips are fully connected, each chip with its own link to the spine switch between nodes.
public struct ClusterSpec: Sendable, Equatable, Codable {
    public var chips: Int
    public var chipsPerNode: Int
    /// Peak dense 16-bit rate of one chip, TFLOP/s.
    public var peakTFLOPs: Double
    /// Fraction of the peak the matrix products reach.
    public var efficiency: Double
    public var memoryBytes: Double
    /// Each link between two chips of a node.
    public var intraGBPerSecond: Double
    public var intraLatencyPs: Picoseconds
    /// Each chip's link to the spine (a transfer between nodes crosses two).
    public var interGBPerSecond: Double
    public var interLatencyPs: Picoseconds
    /// The chip's memory (HBM): bandwidth and energy per bit moved. Defaults: an A100 80 GB's 2,039 GB/s
    /// (NVIDIA's datasheet) and HBM2's 3.9 pJ/bit (hwcomponents-cacti's public data).
    public var memoryGBPerSecond = 2_039.0
    public var memoryPicojoulesPerBit = 3.9
    /// Spintronic (MRAM) crossbars on the chip that hold weights and multiply by them in place: capacity
    /// (0: none), the rate at which in-place products consume weights, and the energy per weight bit used.
    public var mramBytes = 0.0
    public var mramGBPerSecond = 0.0
    public var mramPicojoulesPerBit = 0.0

    public init(
        chips: Int, chipsPerNode: Int, peakTFLOPs: Double, efficiency: Double, memoryBytes: Double, intraGBPerSecond: Double,
        intraLatencyPs: Picoseconds, interGBPerSecond: Double, interLatencyPs: Picoseconds
    ) {
        self.chips = chips
        self.chipsPerNode = chipsPerNode
        self.peakTFLOPs = peakTFLOPs
        self.efficiency = efficiency
        self.memoryBytes = memoryBytes
        self.intraGBPerSecond = intraGBPerSecond
        self.intraLatencyPs = intraLatencyPs
        self.interGBPerSecond = interGBPerSecond
        self.interLatencyPs = interLatencyPs
    }

    /// DGX A100-like nodes: 8 chips of 312 TFLOP/s (bf16) and 80 GB, NVLink at 300 GB/s per direction between
    /// the GPUs of a node, one 200 Gb/s (25 GB/s) InfiniBand link per GPU between nodes (NVIDIA's DGX A100
    /// datasheet); matrix efficiency 0.5 and latencies of 1 us and 5 us are assumptions.
    public static func dgxA100(chips: Int) -> ClusterSpec {
        ClusterSpec(
            chips: chips, chipsPerNode: 8, peakTFLOPs: 312, efficiency: 0.5, memoryBytes: 80e9, intraGBPerSecond: 300,
            intraLatencyPs: 1_000_000, interGBPerSecond: 25, interLatencyPs: 5_000_000)
    }
}
