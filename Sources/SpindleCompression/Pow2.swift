/// Rounding magnitudes to powers of two, as SmartDeal's code does it.
public enum Pow2 {
    /// How ties between the two neighbouring powers of two are broken.
    public enum Ties: Sendable {
        /// SED (`nearestpow2`): 0.75 -> 0.5, 3 -> 2.
        case down
        /// Training (`SparsifyAndNearestPow2`): 0.75 -> 1, 3 -> 4.
        case up
    }

    /// The exponent of the power of two nearest to `v` > 0 in the linear domain.
    ///
    /// With e = ceil(log2 v), the candidates are 2^(e-1) and 2^e; 2^(e-1) wins when
    /// `v - 2^(e-1) <= 2^e - v` (ties down) or `<` (ties up). Exact powers of two are kept.
    @inlinable
    public static func exponent(_ v: Double, ties: Ties = .down) -> Int {
        precondition(v > 0)
        // v = significand * 2^exponent with significand in [1, 2): exact powers of two are kept.
        if v.significand == 1 { return Int(v.exponent) }
        let e = Int(v.exponent) + 1  // ceil(log2 v)
        let low = Double(sign: .plus, exponent: e - 1, significand: 1)
        let high = Double(sign: .plus, exponent: e, significand: 1)
        switch ties {
        case .down: return v - low <= high - v ? e - 1 : e
        case .up: return v - low < high - v ? e - 1 : e
        }
    }

    /// Rounds `v` (any sign) to a signed power of two; 0 stays 0.
    @inlinable
    public static func round(_ v: Double, ties: Ties = .down) -> Double {
        if v == 0 { return 0 }
        let r = Double(sign: .plus, exponent: exponent(abs(v), ties: ties), significand: 1)
        return v < 0 ? -r : r
    }
}
