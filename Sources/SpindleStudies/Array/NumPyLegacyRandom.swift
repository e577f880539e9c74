/// NumPy's legacy `RandomState` integer draws: MT19937 (32-bit Mersenne Twister, Matsumoto and Nishimura)
/// seeded by `init_genrand`, and `randint(low, high)` by masked rejection sampling.
///
/// SCALE-Sim v3 picks each filter column's N for row-wise sparsity with `np.random.seed(seed)` followed by
/// `np.random.randint(1, M / 2 + 1)` per column; this reproduces those draws exactly.
struct NumPyLegacyRandom {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    /// The next 32-bit output (`genrand_int32`).
    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    /// `randint(low, high)`: a whole number in low ..< high (high > low), drawing nothing when the range
    /// holds one value, as NumPy does.
    mutating func int(_ low: Int, _ high: Int) -> Int {
        let range = UInt32(high - low - 1)
        if range == 0 { return low }
        var mask = range
        for shift in [1, 2, 4, 8, 16] { mask |= mask >> UInt32(shift) }
        while true {
            let v = next() & mask
            if v <= range { return low + Int(v) }
        }
    }
}
