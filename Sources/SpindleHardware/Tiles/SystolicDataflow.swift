import SpindleCore

/// The systolic dataflows, and the cycles a layer share takes on an array (SCALE-Sim's fold structure).
public enum SystolicDataflow: String, Sendable, CaseIterable, Codable {
    case ws, os, `is`

    /// Cycles for a GEMM of `window` x `filters` weights over `pixels` output pixels on a rows x columns
    /// array: folds x fold length, as in `ScaleSimArray` (whose total cycles are this minus one).
    public func cycles(rows R: Int, columns C: Int, window: Int, filters: Int, pixels: Int) -> UInt64 {
        func folds(_ n: Int, _ d: Int) -> Int { (n + d - 1) / d }
        switch self {
        case .ws: return UInt64(folds(window, R) * folds(filters, C) * (pixels + 2 * R + C - 2))
        case .os: return UInt64(folds(pixels, R) * folds(filters, C) * (window + R + C - 2))
        case .is: return UInt64(folds(window, R) * folds(pixels, C) * (filters + 2 * R + C - 2))
        }
    }
}
