import SpindleCore

/// The shape of one weight tensor to compress: `[cout, cin, kh, kw]`, or `[out, in]` for linear layers.
public struct WeightShape: Sendable, Equatable, Codable {
    public var name: String
    public var outChannels: Int
    public var inChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    /// Fully connected (never structurally pruned).
    public var isLinear: Bool

    public init(name: String, outChannels: Int, inChannels: Int, kernelHeight: Int = 1, kernelWidth: Int = 1, isLinear: Bool = false) {
        self.name = name
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.isLinear = isLinear
    }

    public var count: Int { outChannels * inChannels * kernelHeight * kernelWidth }
    public var dims: [Int] { isLinear ? [outChannels, inChannels] : [outChannels, inChannels, kernelHeight, kernelWidth] }
    public var fanIn: Int { inChannels * kernelHeight * kernelWidth }
    public var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 }

    /// Reads `[cout, cin, kh, kw]` or `[out, in]` from a tensor's shape.
    public init(name: String, tensorShape s: [Int]) throws(SpindleError) {
        switch s.count {
        case 4: self.init(name: name, outChannels: s[0], inChannels: s[1], kernelHeight: s[2], kernelWidth: s[3])
        case 3: self.init(name: name, outChannels: s[0], inChannels: s[1], kernelHeight: 1, kernelWidth: s[2])
        case 2: self.init(name: name, outChannels: s[0], inChannels: s[1], isLinear: true)
        default:
            throw SpindleError(
                .invalidValue, "tensor '\(name)' has shape \(s)",
                expected: "a 4-D convolution weight [cout, cin, kh, kw], a 3-D one [cout, cin, k] or a 2-D linear weight [out, in]")
        }
    }
}
