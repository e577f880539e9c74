/// MT19937-64, the 64-bit Mersenne Twister (Matsumoto and Nishimura; `std::mt19937_64` in C++).
///
/// DRAMsim3's generators draw their addresses from a default-seeded `std::mt19937_64` (seed 5489), so
/// with that seed Spindle's random and stream traffic offer exactly DRAMsim3's address sequence.
struct MersenneTwister64 {
    static let defaultSeed: UInt64 = 5489
    private var state = [UInt64](repeating: 0, count: 312)
    private var index = 312

    init(seed: UInt64 = MersenneTwister64.defaultSeed) {
        state[0] = seed
        for i in 1..<312 {
            state[i] = 6_364_136_223_846_793_005 &* (state[i - 1] ^ (state[i - 1] >> 62)) &+ UInt64(i)
        }
    }

    mutating func next() -> UInt64 {
        if index >= 312 { twist() }
        var y = state[index]
        index += 1
        y ^= (y >> 29) & 0x5555_5555_5555_5555
        y ^= (y << 17) & 0x71D6_7FFF_EDA6_0000
        y ^= (y << 37) & 0xFFF7_EEE0_0000_0000
        y ^= y >> 43
        return y
    }

    private mutating func twist() {
        let upper: UInt64 = ~((1 << 31) - 1), lower: UInt64 = (1 << 31) - 1
        for i in 0..<312 {
            let x = (state[i] & upper) | (state[(i + 1) % 312] & lower)
            var xA = x >> 1
            if x & 1 != 0 { xA ^= 0xB502_6F5A_A966_19E9 }
            state[i] = state[(i + 156) % 312] ^ xA
        }
        index = 0
    }
}
