import SpindleCore
import SpindleHardware
import SpindleWorkload

/// Tensor splitting: a layer's output channels shared out over the chips of a group.
enum TensorSplit {
    /// Slice `s` of `k` of a layer's output channels (depthwise layers: of its channels), and the fraction
    /// of the layer's weights it holds.
    static func slice(_ layer: Layer, _ s: Int, of k: Int) throws(SpindleError) -> (layer: Layer, fraction: Double) {
        guard k > 1 else { return (layer, 1) }
        guard layer.outChannels >= k else {
            throw SpindleError(
                .capacity, "layer '\(layer.name)' has \(layer.outChannels) output channels and cannot be split over \(k) chips",
                hint: "Split over fewer chips, or pipeline over more stages")
        }
        let depthwise = layer.kind == .conv2d && layer.groups > 1 && layer.groups == layer.inChannels
        guard layer.groups == 1 || depthwise || layer.kind == .matmul else {
            throw SpindleError(
                .unsupported,
                "layer '\(layer.name)' is a grouped convolution (\(layer.groups) groups); only dense and depthwise layers can be split over chips"
            )
        }
        var part = layer
        part.outChannels = layer.outChannels / k + (s < layer.outChannels % k ? 1 : 0)
        if depthwise {
            part.inChannels = part.outChannels
            part.groups = part.outChannels
        }
        return (part, Double(part.outChannels) / Double(layer.outChannels))
    }
}
