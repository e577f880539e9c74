/// Simulated time in integer picoseconds.
///
/// All engine time is `UInt64` picoseconds: 2^64 ps is about 213 days of simulated time, far beyond any run.
/// Names of values in other units carry the unit (`latencyNs`, `bandwidthGBps`).
public typealias Picoseconds = UInt64

/// Energy in picojoules.
public typealias Picojoules = Double

/// Unit conversions used across Spindle. Each returns an exact integer where the quantity is integral.
public enum Units {
    public static let psPerNs: UInt64 = 1_000
    public static let psPerUs: UInt64 = 1_000_000
    public static let psPerMs: UInt64 = 1_000_000_000

    /// Picoseconds of one clock cycle at `gHz`, rounded to the nearest picosecond (at least 1).
    public static func cyclePs(gHz: Double) -> Picoseconds {
        max(1, UInt64((1_000.0 / gHz).rounded()))
    }

    /// Picoseconds needed to move `bytes` at `gbPerSecond` (1 GB/s = 1 byte/ns), rounded up.
    @inlinable
    public static func transferPs(bytes: UInt64, gbPerSecond: Double) -> Picoseconds {
        if bytes == 0 { return 0 }
        return UInt64((Double(bytes) * 1_000.0 / gbPerSecond).rounded(.up))
    }

    /// Formats picoseconds for people: `812 ps`, `3.200 ns`, `41.600 us`, `2.5000 ms`.
    public static func formatTime(_ ps: Picoseconds) -> String {
        let value = Double(ps)
        switch ps {
        case ..<1_000: return "\(ps) ps"
        case ..<1_000_000: return format(value / 1e3, 3) + " ns"
        case ..<1_000_000_000: return format(value / 1e6, 3) + " us"
        case ..<1_000_000_000_000: return format(value / 1e9, 4) + " ms"
        default: return format(value / 1e12, 4) + " s"
        }
    }

    /// Formats a time held as a `Double` of picoseconds (from arithmetic or a decoded file): clamped to
    /// 0 ... `Picoseconds.max`, and `-` when it is not a number.
    public static func formatTime(ps: Double) -> String {
        guard !ps.isNaN else { return "-" }
        return formatTime(ps <= 0 ? 0 : ps >= 1.8e19 ? Picoseconds.max : Picoseconds(ps))
    }

    /// Formats a byte count held as a `Double`, clamped like `formatTime(ps:)`.
    public static func formatBytes(count: Double) -> String {
        guard !count.isNaN else { return "-" }
        return formatBytes(count <= 0 ? 0 : count >= 1.8e19 ? UInt64.max : UInt64(count))
    }

    /// Formats picojoules for people with an SI prefix (pJ, nJ, uJ, mJ, J).
    public static func formatEnergy(_ pj: Picojoules) -> String {
        let a = abs(pj)
        switch a {
        case ..<1e3: return format(pj, 2) + " pJ"
        case ..<1e6: return format(pj / 1e3, 3) + " nJ"
        case ..<1e9: return format(pj / 1e6, 3) + " uJ"
        case ..<1e12: return format(pj / 1e9, 3) + " mJ"
        default: return format(pj / 1e12, 4) + " J"
        }
    }

    /// Formats a byte count with binary prefixes (B, KiB, MiB, GiB).
    public static func formatBytes(_ bytes: UInt64) -> String {
        let v = Double(bytes)
        switch bytes {
        case ..<1024: return "\(bytes) B"
        case ..<(1 << 20): return format(v / 1024, 2) + " KiB"
        case ..<(1 << 30): return format(v / 1_048_576, 2) + " MiB"
        default: return format(v / 1_073_741_824, 2) + " GiB"
        }
    }

    /// Fixed-point decimal formatting without Foundation.
    public static func format(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        // Beyond what a UInt64 holds, Swift's own shortest form (1e+30).
        guard abs(value) * scale < 9e18 else { return "\(value)" }
        let negative = value < 0
        let scaled = (abs(value) * scale).rounded()
        let whole = (scaled / scale).rounded(.down)
        let frac = scaled - whole * scale
        var text = String(UInt64(whole))
        if decimals > 0 {
            var digits = String(UInt64(frac))
            while digits.count < decimals { digits = "0" + digits }
            text += "." + digits
        }
        return negative && scaled != 0 ? "-" + text : text
    }
}
