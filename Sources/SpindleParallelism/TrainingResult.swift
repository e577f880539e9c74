import SpindleCore

/// What a simulated training iteration measured.
public struct TrainingResult: Sendable, Equatable, Codable {
    /// Where one pipeline stage's chips spent the iteration (the mean over the stage's chips), seconds.
    public struct Stage: Sendable, Equatable, Codable {
        public var layers: Int
        /// Running matrix products, and the part of that spent recomputing.
        public var computeSeconds: Double
        public var recomputeSeconds: Double
        /// Waiting in collectives of each communicator (their transfer time and any wait for the group).
        public var tensorSeconds: Double
        public var dataSeconds: Double
        public var expertSeconds: Double
        /// Waiting for the neighbouring stages' activations or gradients: the pipeline bubble and the transfers.
        public var pipelineWaitSeconds: Double
        /// Idle after the stage's last work until the slowest chip is done.
        public var tailSeconds: Double
        /// The most micro-batches whose activations a chip of the stage held at once.
        public var peakInFlight: Int
        public var memoryBytes: Double
    }

    public var model: String
    public var plan: ParallelismPlan
    public var schedule: PipelineSchedule
    public var network: String
    /// How the network was simulated.
    public var fidelity = "flow"
    public var chips: Int
    public var iterationSeconds: Double
    public var stages: [Stage]
    public var tokensPerSecond: Double
    /// Model FLOPs (without recomputation) over the chips' peak.
    public var modelFLOPsUtilisation: Double
    /// The FLOPs the chips ran, recomputation included, per chip per second (Megatron's reported figure), TFLOP/s.
    public var hardwareTFLOPsPerChip: Double
    /// Bytes that crossed links of each level, and their energy.
    public var linkBytesByLevel: [Double]
    public var linkEnergyPJ: Double
    /// Transfers simulated as flows on the shared network, collectives (and their transfers) run in it, and
    /// collectives whose group's links carry no other traffic, timed once per size and reused.
    public var flows: Int
    public var sharedCollectives: Int
    public var reusedCollectives: Int
    /// Chip program steps executed.
    public var steps: Int
    /// Memory per chip: the largest stage's, against the chip's capacity.
    public var peakMemoryBytes: Double
    public var memoryCapacityBytes: Double
}
