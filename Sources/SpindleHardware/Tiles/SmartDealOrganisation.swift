import SpindleCore

/// How a SmartDeal tile is organised, after the SmartExchange accelerator SmartDeal builds on: PE slices of
/// PE lines of MACs, two rebuild engines per line, an index selector that skips zero Ce rows (and, when
/// every activation of a row is zero, zero activation rows), and data-type-partitioned buffers.
///
/// Every number is a parameter: the sources give the organisation, not its sizes (Docs/papers.md).
public struct SmartDealOrganisation: Sendable, Equatable {
    /// How a MAC multiplies.
    public enum MACStyle: String, Sendable, CaseIterable {
        /// One multiplication per cycle.
        case parallel
        /// Booth-encoded bit-serial: one cycle per non-zero radix-4 digit of the activation.
        case bitSerial = "bit-serial"
    }

    /// Basis size S (kernel width): a rebuild engine holds one S x S basis and rebuilds S weights of a row.
    public static let basisSize = 3

    /// PE slices (output channels computed together), PE lines per slice, MACs per line; 0: not given (the
    /// tile's `macs_per_cycle` stands alone).
    public var slices = 0, lines = 0, macsPerLine = 0
    public var mac = MACStyle.parallel
    /// Activation bits (bit-serial MACs take one cycle per non-zero Booth digit of them).
    public var activationBits = 8
    /// Bit-serial MACs: fraction of an activation's radix-4 Booth digits that are non-zero.
    public var boothNonZeroFraction = 1.0
    /// Fraction of activation rows that are all zero, skipped with their weight rows (an assumption about
    /// the data; 0 by default).
    public var zeroActivationRows = 0.0
    /// Data-type-partitioned buffers (bytes): inputs, Ce index bitmaps, weights (Ce codes and B), outputs;
    /// all 0: one shared buffer.
    public var inputBuffer: UInt64 = 0, indexBuffer: UInt64 = 0, weightBuffer: UInt64 = 0, outputBuffer: UInt64 = 0

    public init() {}

    /// Whether the slices x lines x MACs organisation is given.
    public var isOrganised: Bool { slices > 0 && lines > 0 && macsPerLine > 0 }

    /// Rebuild engines: two per PE line (ping-pong) when organised, else one per S rebuild operations per cycle.
    public func rebuildEngines(rebuildPerCycle: Int) -> Int {
        isOrganised ? 2 * slices * lines : max(1, rebuildPerCycle / Self.basisSize)
    }

    /// The buffers by data type, or one shared buffer of `total` bytes.
    public func buffers(total: UInt64) -> [(name: String, bytes: UInt64)] {
        let parts = [("input", inputBuffer), ("index", indexBuffer), ("weight", weightBuffer), ("output", outputBuffer)]
        return parts.allSatisfy { $0.1 == 0 } ? [("shared", total)] : parts.filter { $0.1 > 0 }.map { (name: $0.0, bytes: $0.1) }
    }

    /// Cycles one MAC takes on average: 1 when parallel; bit-serial: the non-zero radix-4 Booth digits of one
    /// activation (ceil(bits / 2) digits x the non-zero fraction), at least 1.
    public var cyclesPerMAC: Double {
        guard mac == .bitSerial else { return 1 }
        let digits = Double((activationBits + 1) / 2)
        return max(1, digits * boothNonZeroFraction)
    }
}
