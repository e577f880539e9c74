import Foundation

/// A deterministic pseudo-random stream (xoshiro256**), one per component.
///
/// Seed each component's stream with `RandomStream(seed: runSeed, stream: componentID)`: streams are
/// independent of each other and of the order in which components draw, which keeps results identical
/// for any number of workers. Not thread-safe; a stream belongs to exactly one component.
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates the stream number `stream` of the run seeded with `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        s0 = RandomStream.splitMix(&sm)
        s1 = RandomStream.splitMix(&sm)
        s2 = RandomStream.splitMix(&sm)
        s3 = RandomStream.splitMix(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inlinable static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift; `bound` > 0).
    @inlinable public mutating func nextBelow(_ bound: UInt64) -> UInt64 {
        next().multipliedFullWidth(by: bound).high
    }

    /// An exponentially distributed value with the given mean, as a whole number (rounded down).
    @inlinable public mutating func nextExponential(mean: Double) -> UInt64 {
        let u = 1.0 - nextUnit()  // (0, 1]
        return UInt64(-mean * log(u))
    }
}
