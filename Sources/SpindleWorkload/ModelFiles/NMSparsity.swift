import Foundation
import SpindleCore

/// An N:M weight sparsity ratio: `nonZero` of every `block` consecutive weights are kept.
///
/// SCALE-Sim v3 topologies give it per layer in a `Sparsity` column (`2:4`); a layer without one is dense
/// (1:1). Parsing accepts 1 <= N <= M <= 65,536.
public struct NMSparsity: Sendable, Equatable, Codable, CustomStringConvertible {
    public var nonZero: Int
    public var block: Int

    public static let dense = NMSparsity(nonZero: 1, block: 1)
    public static let maxBlock = 1 << 16

    public init(nonZero: Int, block: Int) {
        self.nonZero = nonZero
        self.block = block
    }

    public var description: String { "\(nonZero):\(block)" }

    /// Parses `N:M`; the error names the field and the valid form.
    public static func parse(_ text: String, at: SourceLocation) throws(SpindleError) -> NMSparsity {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), n >= 1, n <= m, m <= maxBlock else {
            throw SpindleError(
                .invalidValue, "'Sparsity' is '\(text)'", at: at,
                expected: "N:M with whole numbers 1 <= N <= M <= \(maxBlock), e.g. 2:4")
        }
        return NMSparsity(nonZero: n, block: m)
    }
}
