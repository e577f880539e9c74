import Foundation
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
        case 2: self.init(name: name, outChannels: s[0], inChannels: s[1], isLinear: true)
        default:
            throw SpindleError(
                .invalidValue, "tensor '\(name)' has shape \(s)", expected: "a 4-D convolution weight [cout, cin, kh, kw] or a 2-D linear weight [out, in]")
        }
    }
}

/// Seeded synthetic weights.
public enum SyntheticWeights {
    /// Kaiming-normal weights (std = sqrt(2 / fan_in)) for `shape`, from stream `stream` of `seed`.
    public static func kaimingNormal(_ shape: WeightShape, seed: UInt64, stream: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed, stream: stream)
        let std = (2.0 / Double(shape.fanIn)).squareRoot()
        var values = [Float](repeating: 0, count: shape.count)
        var i = 0
        while i < values.count {
            // Box-Muller: two normals from two uniforms in (0, 1].
            let u1 = 1 - rng.nextUnit(), u2 = rng.nextUnit()
            let r = (-2 * log(u1)).squareRoot()
            let a = 2 * Double.pi * u2
            values[i] = Float(std * r * cos(a))
            if i + 1 < values.count { values[i + 1] = Float(std * r * sin(a)) }
            i += 2
        }
        return Tensor(shape: shape.dims, floats: values)
    }
}
