import SpindleCore

/// One layer of a network, with the shapes that decide its work and data.
public struct Layer: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A 2D convolution (grouped when `groups` > 1; depthwise when groups = channels).
        case conv2d
        /// A fully connected layer applied to each of `inHeight` rows (tokens).
        case linear
        /// A product of two activation matrices (attention): (inHeight x inChannels) x (inChannels x outChannels);
        /// it has no parameters, and its second operand is loaded like weights.
        case matmul
    }
    public var name: String
    public var kind: Kind
    public var inChannels: Int
    public var outChannels: Int
    /// Input height and width (1 for linear layers; height 1 for 1-D convolutions, whose length is the width).
    public var inHeight: Int
    public var inWidth: Int
    /// Filter rows and columns (R and S).
    public var kernelHeight: Int
    public var kernelWidth: Int
    /// Steps between filter positions, down and across.
    public var strideHeight: Int
    public var strideWidth: Int
    /// Zero rows (columns) added above and below (left and right) together: 2p for symmetric padding p.
    public var paddingHeight: Int
    public var paddingWidth: Int
    /// Spacing between filter taps (1: dense filters).
    public var dilationHeight: Int = 1
    public var dilationWidth: Int = 1
    public var weightBits: Int
    public var activationBits: Int
    /// Convolution groups (1: dense; channels: depthwise).
    public var groups: Int = 1

    /// A 2D convolution with a square kernel.
    public static func conv(
        _ name: String, _ inC: Int, _ outC: Int, size: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bits: Int = 8
    ) -> Layer {
        Layer(
            name: name, kind: .conv2d, inChannels: inC, outChannels: outC, inHeight: size, inWidth: size, kernelHeight: kernel,
            kernelWidth: kernel, strideHeight: stride, strideWidth: stride, paddingHeight: 2 * padding, paddingWidth: 2 * padding,
            weightBits: bits, activationBits: bits)
    }

    /// A fully connected layer, applied to `tokens` rows.
    public static func linear(_ name: String, _ inF: Int, _ outF: Int, tokens: Int = 1, bits: Int = 8) -> Layer {
        Layer(
            name: name, kind: .linear, inChannels: inF, outChannels: outF, inHeight: tokens, inWidth: 1, kernelHeight: 1, kernelWidth: 1,
            strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0, weightBits: bits, activationBits: bits)
    }

    /// A depthwise (or grouped) convolution.
    public static func depthwise(_ name: String, _ channels: Int, size: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bits: Int = 8)
        -> Layer
    {
        var l = conv(name, channels, channels, size: size, kernel: kernel, stride: stride, padding: padding, bits: bits)
        l.groups = channels
        return l
    }

    /// A 1-D convolution over a sequence of `length` positions (height 1, the length as width).
    public static func conv1d(
        _ name: String, _ inC: Int, _ outC: Int, length: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bits: Int = 8
    ) -> Layer {
        var l = conv(name, inC, outC, size: length, kernel: kernel, stride: stride, padding: padding, bits: bits)
        l.inHeight = 1
        l.kernelHeight = 1
        l.strideHeight = 1
        l.paddingHeight = 0
        return l
    }

    /// An activation-activation product: (rows x inner) x (inner x cols), repeated `count` times (heads).
    public static func matmul(_ name: String, rows: Int, inner: Int, cols: Int, count: Int = 1, bits: Int = 8) -> Layer {
        var l = Layer(
            name: name, kind: .matmul, inChannels: inner, outChannels: cols, inHeight: rows, inWidth: 1, kernelHeight: 1, kernelWidth: 1,
            strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0, weightBits: bits, activationBits: bits)
        l.groups = count
        return l
    }

    /// Output rows: (H + padding - dilated R) / stride + 1.
    public var outHeight: Int { (inHeight + paddingHeight - (kernelHeight - 1) * dilationHeight - 1) / max(strideHeight, 1) + 1 }
    /// Output columns: (W + padding - dilated S) / stride + 1.
    public var outWidth: Int { (inWidth + paddingWidth - (kernelWidth - 1) * dilationWidth - 1) / max(strideWidth, 1) + 1 }
    /// Filter taps: R x S.
    public var kernelArea: Int { kernelHeight * kernelWidth }
    /// Whether the filter, its steps, padding and dilation are the same down and across.
    public var isSquare: Bool {
        kernelHeight == kernelWidth && strideHeight == strideWidth && paddingHeight == paddingWidth && dilationHeight == dilationWidth
    }
    /// Weights (or second-operand values) feeding one output channel.
    public var weightsPerFilter: Int { kind == .matmul ? inChannels : inChannels / max(groups, 1) * kernelArea }
    /// Trained parameters (matmuls have none).
    public var parameters: Int { kind == .matmul ? 0 : weightsPerFilter * outChannels }
    /// Multiply-accumulates for one input sample.
    public var macsPerSample: UInt64 {
        let perOutput = UInt64(outHeight * outWidth) * UInt64(weightsPerFilter) * UInt64(outChannels)
        return kind == .matmul ? perOutput * UInt64(max(groups, 1)) : perOutput
    }
    /// Bytes of the weights, or of a matmul's second operand (all heads).
    public var weightBytes: UInt64 {
        let values = kind == .matmul ? weightsPerFilter * outChannels * max(groups, 1) : parameters
        return (UInt64(values) * UInt64(weightBits) + 7) / 8
    }
    public var inputBytesPerSample: UInt64 {
        (UInt64(inChannels * inHeight * inWidth * (kind == .matmul ? max(groups, 1) : 1)) * UInt64(activationBits) + 7) / 8
    }
    public var outputBytesPerSample: UInt64 {
        (UInt64(outChannels * outHeight * outWidth * (kind == .matmul ? max(groups, 1) : 1)) * UInt64(activationBits) + 7) / 8
    }

    /// The weight tensor's shape, for compression.
    public var weightShape: WeightShape {
        WeightShape(
            name: name, outChannels: outChannels, inChannels: inChannels / max(groups, 1), kernelHeight: kind == .linear ? 1 : kernelHeight,
            kernelWidth: kind == .linear ? 1 : kernelWidth, isLinear: kind == .linear)
    }
}
