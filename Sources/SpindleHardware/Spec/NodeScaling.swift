import SpindleCore

/// A CMOS process point: a technology node and the supply voltage a figure was obtained at.
public struct ProcessPoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var nodeNm: Int
    /// Supply voltage in volts.
    public var vdd: Double

    public init(nodeNm: Int, vdd: Double) {
        self.nodeNm = nodeNm
        self.vdd = vdd
    }

    public var description: String { "\(nodeNm) nm \(Units.format(vdd, 2)) V" }
}

/// Technology-node scaling of energy and area between CMOS nodes, by the published equations of Stillmaker
/// and Baas.
///
/// Energy: each node has a fitted polynomial e(V) = a V^2 + b V + c (the paper's energy fits; high-performance
/// devices at 45 nm and below); a figure moves from point s to point d as x e_d(V_d) / e_s(V_s). Area: the
/// paper's node-to-node factor table (voltage plays no part). The fits cover 180 nm to 7 nm; other nodes are
/// refused. The numbers are the paper's; the transcription checked against is the MIT-licensed `nodeScale`
/// tool (UCLA NanoCAD Laboratory), whose outputs the tests compare with.
public enum NodeScaling {
    /// The citation every scaled figure carries.
    public static let source =
        "A. Stillmaker, B. Baas, Scaling equations for the accurate prediction of CMOS device performance from 180 nm to 7 nm, Integration 58 (2017) 74-81"

    /// Nodes the equations cover, largest first.
    public static let nodes = [180, 130, 90, 65, 45, 32, 20, 16, 14, 10, 7]

    /// Energy fit (a, b, c) per node: e(V) = a V^2 + b V + c; high-performance devices at 45 nm and below.
    static let energyFit: [Int: (a: Double, b: Double, c: Double)] = [
        180: (0, 24.64, -17.98), 130: (7.171, -6.709, 2.904), 90: (4.762, -4.781, 2.092), 65: (3.755, -4.398, 1.975),
        45: (1.018, -0.3107, 0.1539), 32: (0.8367, -0.4341, 0.1701), 20: (0.373, -0.1582, 0.04104), 16: (0.2958, -0.1241, 0.03024),
        14: (0.2363, -0.09675, 0.02239), 10: (0.2068, -0.09311, 0.02375), 7: (0.1776, -0.09097, 0.02447),
    ]

    /// Area table: `areaTable[d][s]` is the paper's factor between node `d` (row) and node `s` (column); an
    /// area at s becomes area / areaTable[d][s] at d.
    static let areaTable: [Int: [Double]] = [
        180: [1, 0.34, 0.15, 0.08, 0.053, 0.025, 0.011, 0.01, 0.0093, 0.0055, 0.0032],
        130: [2.9, 1, 0.44, 0.23, 0.16, 0.072, 0.033, 0.03, 0.027, 0.016, 0.0092],
        90: [6.6, 2.3, 1, 0.53, 0.35, 0.16, 0.075, 0.067, 0.061, 0.036, 0.021],
        65: [12, 4.3, 1.9, 1, 0.66, 0.31, 0.14, 0.13, 0.12, 0.068, 0.039],
        45: [19, 6.4, 2.8, 1.5, 1, 0.46, 0.21, 0.19, 0.17, 0.1, 0.059],
        32: [40, 14, 6.1, 3.3, 2.2, 1, 0.46, 0.41, 0.38, 0.22, 0.13],
        20: [88, 30, 13, 7.1, 4.7, 2.2, 1, 0.89, 0.82, 0.48, 0.28],
        16: [99, 34, 15, 7.9, 5.3, 2.4, 1.1, 1, 0.91, 0.54, 0.31],
        14: [110, 37, 16, 8.7, 5.8, 2.7, 1.2, 1.1, 1, 0.59, 0.34],
        10: [180, 63, 28, 15, 9.8, 4.5, 2.1, 1.9, 1.7, 1, 0.58],
        7: [320, 110, 48, 25, 17, 7.8, 3.6, 3.2, 2.9, 1.7, 1],
    ]

    /// Whether the equations cover `nodeNm`.
    public static func covers(_ nodeNm: Int) -> Bool { energyFit[nodeNm] != nil }

    /// The relative energy of one operation at `p` (the fit's value; only ratios mean anything).
    static func energyIndex(_ p: ProcessPoint) -> Double {
        let f = energyFit[p.nodeNm]!
        return f.a * p.vdd * p.vdd + f.b * p.vdd + f.c
    }

    /// The factor that moves an energy from `source` to `target`; `nil` when a node is not covered or a fit
    /// is not positive at the voltage given (outside the range it was fitted on).
    public static func energyFactor(from source: ProcessPoint, to target: ProcessPoint) -> Double? {
        guard covers(source.nodeNm), covers(target.nodeNm) else { return nil }
        let s = energyIndex(source), d = energyIndex(target)
        guard s > 0, d > 0 else { return nil }
        return d / s
    }

    /// The factor that moves an area from node `sourceNm` to node `targetNm`; `nil` when a node is not covered.
    public static func areaFactor(fromNm sourceNm: Int, toNm targetNm: Int) -> Double? {
        guard let column = nodes.firstIndex(of: sourceNm), let row = areaTable[targetNm] else { return nil }
        return 1 / row[column]
    }
}
