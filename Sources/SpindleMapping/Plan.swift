import SpindleCore

/// A way of using the chips: `stages` pipeline stages of consecutive layers, each run by `replicas`
/// groups of chips on their share of the batch, with `microBatches` micro-batches flowing through the
/// pipeline. Each group has `split` chips that share every layer of the stage (tensor splitting: each
/// holds a slice of the output channels; outputs are all-gathered before the next layer, and input
/// gradients reduce-scattered).
public struct Plan: Sendable, Equatable, CustomStringConvertible {
    public var stages: Int
    public var replicas: Int
    public var microBatches: Int
    /// Network layer indices of each stage.
    public var stageLayers: [Range<Int>]
    public var split = 1
    public var description: String {
        let cut = split > 1 ? ", layers split over \(split) chips" : ""
        if stages == 1 { return (replicas == 1 ? (split > 1 ? "one group" : "one chip") : "data-parallel x\(replicas)") + cut }
        let pipe = "pipeline \(stages) stages, \(microBatches) micro-batch\(microBatches == 1 ? "" : "es")"
        return (replicas == 1 ? pipe : "hybrid: \(pipe) x \(replicas) replicas") + cut
    }
    /// Chip running slice `slice` of stage `stage` of replica `replica`.
    public func chip(stage: Int, replica: Int, slice: Int = 0) -> Int { (stage * replicas + replica) * split + slice }
}
