/// A physical dimension that a configuration value may carry, with the units Spindle accepts for it.
public enum UnitKind: String, Sendable, CaseIterable {
    case time, frequency, bandwidth, size, energy, length, voltage, area

    /// Accepted unit spellings and their factor to the base unit
    /// (time: ps, frequency: GHz, bandwidth: GB/s = bytes/ns, size: bytes, energy: pJ, length: mm, voltage: V,
    /// area: square micrometres).
    public var units: [(String, Double)] {
        switch self {
        case .time: return [("ps", 1), ("ns", 1e3), ("us", 1e6), ("ms", 1e9), ("s", 1e12)]
        case .frequency: return [("MHz", 1e-3), ("GHz", 1), ("kHz", 1e-6)]
        case .bandwidth: return [("GB/s", 1), ("MB/s", 1e-3), ("TB/s", 1e3), ("GiB/s", 1.073_741_824)]
        case .size:
            return [
                ("B", 1), ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776), ("kB", 1e3), ("MB", 1e6),
                ("GB", 1e9), ("bit", 0.125),
            ]
        case .energy: return [("pJ", 1), ("fJ", 1e-3), ("nJ", 1e3), ("uJ", 1e6)]
        case .length: return [("mm", 1), ("um", 1e-3), ("cm", 10)]
        case .voltage: return [("V", 1), ("mV", 1e-3)]
        case .area: return [("um2", 1), ("mm2", 1e6)]
        }
    }

    /// The positive values Spindle accepts, in the base unit: beyond these a conversion to integer
    /// picoseconds or bytes overflows or rounds to zero, or the value is physically meaningless for an
    /// accelerator (a latency of years, a bandwidth of 1e-30 GB/s, one action costing a joule).
    public var validRange: ClosedRange<Double> {
        switch self {
        case .time: return 1...1e12  // 1 ps (the engine's step) to 1 s
        case .frequency: return 1e-3...1e3  // 1 MHz to 1 THz
        case .bandwidth: return 1e-3...1e6  // 1 MB/s to 1 PB/s
        case .size: return 1...1_099_511_627_776  // 1 B to 1 TiB
        case .energy: return 1e-6...1e6  // 1 aJ to 1 uJ per action
        case .length: return 1e-3...1e4  // 1 um to 10 m
        case .voltage: return 0.3...2.0  // the supply range the node-scaling fits cover
        case .area: return 1e-6...1e9  // 1e-6 um2 to 1000 mm2
        }
    }

    /// `validRange` in words, for error messages.
    public var validRangeText: String {
        switch self {
        case .time: return "from 1 ps to 1 s"
        case .frequency: return "from 1 MHz to 1000 GHz"
        case .bandwidth: return "from 1 MB/s to 1000 TB/s"
        case .size: return "from 1 B to 1 TiB"
        case .energy: return "from 1e-6 pJ to 1 uJ (1e6 pJ) per action"
        case .length: return "from 1 um to 10 m"
        case .voltage: return "from 0.3 V to 2 V"
        case .area: return "from 1e-6 um2 to 1000 mm2"
        }
    }

    /// The base unit values are converted to.
    public var baseUnit: String {
        switch self {
        case .time: return "ps"
        case .frequency: return "GHz"
        case .bandwidth: return "GB/s"
        case .size: return "B"
        case .energy: return "pJ"
        case .length: return "mm"
        case .voltage: return "V"
        case .area: return "um2"
        }
    }

    /// Parses `"<number> <unit>"` (the space is optional) into the base unit.
    /// Returns `nil` with no number; throws a message listing the valid units for a bad unit.
    public func parse(_ text: String) -> Result<Double, QuantityError> {
        let trimmed = text.trimmingCharacters()
        var numberEnd = trimmed.startIndex
        for i in trimmed.indices {
            let c = trimmed[i]
            if c.isNumber || c == "." || c == "-" || c == "+" || c == "e" || c == "E" || c == "_" {
                // 'e' only counts as part of the number when a digit follows.
                if c == "e" || c == "E" {
                    let next = trimmed.index(after: i)
                    guard next < trimmed.endIndex, trimmed[next].isNumber || trimmed[next] == "-" else { break }
                }
                numberEnd = trimmed.index(after: i)
            } else {
                break
            }
        }
        let numberText = trimmed[..<numberEnd].replacingUnderscores()
        let unit = String(trimmed[numberEnd...]).trimmingCharacters()
        guard let value = Double(numberText) else { return .failure(QuantityError("'\(text)' is not a number with a unit")) }
        guard !unit.isEmpty else {
            return .failure(QuantityError("'\(text)' has no unit"))
        }
        guard let factor = units.first(where: { $0.0 == unit })?.1 else {
            return .failure(QuantityError("'\(unit)' is not a unit of \(rawValue)"))
        }
        return .success(value * factor)
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }

    func replacingUnderscores() -> String { String(self.filter { $0 != "_" }) }
}

/// Why a quantity did not parse.
public struct QuantityError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
