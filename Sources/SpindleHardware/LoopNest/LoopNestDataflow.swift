import SpindleCore

/// How a storage hierarchy's mapper lays a convolution out: which dimensions run in parallel across the PE
/// array, which data the innermost level keeps while the others stream past it, and the loop order of every
/// level above it.
///
/// - Weight-stationary (TPU, NVDLA): PEs split input and output channels; a PE keeps its weights while the
///   output pixels stream (its innermost loops run over `N`, `P`, `Q`).
/// - Output-stationary (ShiDianNao): PEs split the output pixels (and output channels); a PE accumulates its
///   outputs while the reduction (`C`, `R`, `S`) streams.
/// - Input-stationary: PEs split input channels and pixels; a PE keeps its inputs while the output channels
///   (`M`) stream.
/// - Row-stationary (Eyeriss): PEs split filter rows and output rows (`S`, `Q`); a PE runs a 1-D
///   convolution of a filter row over an input row (`R`, `P`), then more channels (`C`, `M`).
public enum LoopNestDataflow: String, Sendable, CaseIterable, Codable {
    case weightStationary = "weight-stationary"
    case outputStationary = "output-stationary"
    case inputStationary = "input-stationary"
    case rowStationary = "row-stationary"

    typealias D = ConvolutionShape

    /// Dimensions split across the PE array, first choice first.
    public var spatialDimensions: [Int] {
        switch self {
        case .weightStationary: [D.c, D.m]
        case .outputStationary: [D.p, D.q, D.m]
        case .inputStationary: [D.c, D.p, D.q]
        case .rowStationary: [D.s, D.q, D.m, D.c]
        }
    }

    /// Dimensions the innermost storage level may loop over (the data it keeps stays while they run).
    public var innermostDimensions: [Int] {
        switch self {
        case .weightStationary: [D.p, D.q, D.n]
        case .outputStationary: [D.r, D.s, D.c]
        case .inputStationary: [D.m]
        case .rowStationary: [D.r, D.p, D.c, D.m]
        }
    }

    /// Temporal loop order of every level, outermost first: the dimensions the stationary data does not
    /// depend on run inside, so a level's tile of it stays while they turn.
    public var loopOrder: [Int] {
        switch self {
        case .weightStationary: [D.m, D.c, D.s, D.r, D.n, D.q, D.p]
        case .outputStationary: [D.n, D.m, D.q, D.p, D.c, D.s, D.r]
        case .inputStationary: [D.n, D.c, D.q, D.p, D.s, D.r, D.m]
        case .rowStationary: [D.n, D.m, D.c, D.q, D.s, D.p, D.r]
        }
    }
}
