import SpindleCore

/// One convolution (or matrix product) as a loop nest over Timeloop's CNN-layer dimensions: `R` x `S` filters
/// (width x height) over `C` input channels, `M` output channels, `N` samples and `P` x `Q` outputs (width x
/// height). A matrix product is a 1 x 1 convolution: window `C`, filters `M`, output pixels `P`.
public struct ConvolutionShape: Sendable, Hashable, Codable {
    /// Timeloop's names of the dimensions, in the order of `bounds`.
    public static let dimensionNames = ["R", "S", "P", "Q", "C", "M", "N"]
    /// Indices of each dimension in `dimensionNames`.
    public static let r = 0, s = 1, p = 2, q = 3, c = 4, m = 5, n = 6
    /// Names other descriptions use for the same dimensions (Timeloop's exercises write `K` for `M`).
    public static let aliases = ["K": m]

    public var bounds: [Int]
    public var strideWidth = 1, strideHeight = 1
    public var dilationWidth = 1, dilationHeight = 1

    /// A convolution: filter width x height, outputs width x height, channels, filters and samples.
    public init(
        filterWidth: Int, filterHeight: Int, outputWidth: Int, outputHeight: Int, channels: Int, filters: Int, samples: Int,
        strideWidth: Int = 1, strideHeight: Int = 1, dilationWidth: Int = 1, dilationHeight: Int = 1
    ) {
        bounds = [filterWidth, filterHeight, outputWidth, outputHeight, channels, filters, samples].map { max($0, 1) }
        self.strideWidth = max(strideWidth, 1)
        self.strideHeight = max(strideHeight, 1)
        self.dilationWidth = max(dilationWidth, 1)
        self.dilationHeight = max(dilationHeight, 1)
    }

    /// A matrix product of `pixels` rows, a `window`-long reduction and `filters` columns.
    public static func gemm(window: Int, filters: Int, pixels: Int) -> ConvolutionShape {
        ConvolutionShape(
            filterWidth: 1, filterHeight: 1, outputWidth: pixels, outputHeight: 1, channels: window, filters: filters, samples: 1)
    }

    /// Multiply-accumulates.
    public var macs: UInt64 { bounds.reduce(UInt64(1)) { $0 * UInt64($1) } }

    /// The loop nest: weights `[M, C, S, R]`, inputs `[N, C, H, W]` with `W = strideWidth x P + dilationWidth x
    /// R` and `H` alike, outputs `[N, M, Q, P]` (read-write).
    public var problem: LoopNestProblem {
        typealias T = LoopNestProblem.Term
        let s = Self.self
        return LoopNestProblem(
            name: "convolution", dimensions: Self.dimensionNames, bounds: bounds,
            dataSpaces: [
                .init(
                    name: "Weights",
                    axes: [
                        [T(coefficient: 1, dimension: s.m)], [T(coefficient: 1, dimension: s.c)], [T(coefficient: 1, dimension: s.s)],
                        [T(coefficient: 1, dimension: s.r)],
                    ],
                    readWrite: false),
                .init(
                    name: "Inputs",
                    axes: [
                        [T(coefficient: 1, dimension: s.n)], [T(coefficient: 1, dimension: s.c)],
                        [T(coefficient: strideHeight, dimension: s.q), T(coefficient: dilationHeight, dimension: s.s)],
                        [T(coefficient: strideWidth, dimension: s.p), T(coefficient: dilationWidth, dimension: s.r)],
                    ], readWrite: false),
                .init(
                    name: "Outputs",
                    axes: [
                        [T(coefficient: 1, dimension: s.n)], [T(coefficient: 1, dimension: s.m)], [T(coefficient: 1, dimension: s.q)],
                        [T(coefficient: 1, dimension: s.p)],
                    ],
                    readWrite: true),
            ])
    }

    /// The data spaces of `problem`, in order.
    public enum DataSpace: Int, CaseIterable, Sendable {
        case weights, inputs, outputs
        public var name: String { ["Weights", "Inputs", "Outputs"][rawValue] }
    }
}
