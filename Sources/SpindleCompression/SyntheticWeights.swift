import Foundation
import SpindleCore
import SpindleWorkload

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
