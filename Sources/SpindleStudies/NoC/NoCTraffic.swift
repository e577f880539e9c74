/// BookSim2's synthetic traffic patterns: where a packet from each node goes.
public enum NoCTraffic: String, Sendable, CaseIterable {
    case uniform, bitcomp, transpose, bitrev, shuffle, tornado, neighbor

    /// Whether the pattern permutes the bits of the node number (node count must be a power of two).
    public var needsPowerOfTwoNodes: Bool { [.bitcomp, .transpose, .bitrev, .shuffle].contains(self) }

    /// The destination of a packet from `source` on `nodes` nodes (k-ary n-cube); `uniform` uses `random`
    /// (a draw in 0..<nodes, the source included, as BookSim does).
    @inline(__always)
    func destination(of source: Int, nodes: Int, k: Int, n: Int, random: () -> Int) -> Int {
        switch self {
        case .uniform: return random()
        case .bitcomp: return ~source & (nodes - 1)
        case .transpose:
            let shift = (nodes.trailingZeroBitCount) / 2, low = (1 << shift) - 1
            return ((source >> shift) & low) | ((source << shift) & (low << shift))
        case .bitrev:
            var result = 0, s = source, m = nodes
            while m > 1 {
                result = (result << 1) | (s & 1)
                s >>= 1
                m >>= 1
            }
            return result
        case .shuffle:
            let shifted = source << 1
            return (shifted & (nodes - 1)) | (shifted & nodes != 0 ? 1 : 0)
        case .tornado, .neighbor:
            var offset = 1, result = 0
            for _ in 0..<n {
                let digit = (source / offset) % k
                let shift = self == .tornado ? (k + 1) / 2 - 1 : 1
                result += offset * ((digit + shift) % k)
                offset *= k
            }
            return result
        }
    }
}
