/// Coordinates and neighbours of a k-ary n-cube (mesh, torus or ring), with BookSim2's dimension-order routes.
///
/// Ports: 0 is the local (injection/ejection) port; 1 + 2d leads to the + neighbour in dimension d, 2 + 2d
/// to the - neighbour.
struct CubeGeometry: Sendable {
    let k: Int, n: Int, wraps: Bool

    func coordinate(_ r: Int, _ d: Int) -> Int { d == 0 ? r % k : (r / k) % k }

    /// The neighbour through port p, or -1 at a mesh edge.
    func neighbour(_ r: Int, _ p: Int) -> Int {
        let d = (p - 1) / 2, plus = (p - 1) % 2 == 0
        let c = coordinate(r, d)
        var nc = plus ? c + 1 : c - 1
        if nc < 0 || nc >= k {
            guard wraps else { return -1 }
            nc = (nc + k) % k
        }
        return d == 0 ? r - c + nc : r + (nc - c) * k
    }

    /// The lowest dimension in which router r and the destination differ, or nil at the destination.
    @inline(__always)
    func firstDifferingDimension(_ r: Int, _ dst: Int) -> Int? {
        for d in 0..<n where coordinate(r, d) != coordinate(dst, d) { return d }
        return nil
    }

    /// The output port of a mesh's dimension-order route (0 at the destination).
    @inline(__always)
    func meshPort(_ r: Int, _ dst: Int) -> Int {
        guard let d = firstDifferingDimension(r, dst) else { return 0 }
        return 1 + 2 * d + (coordinate(dst, d) > coordinate(r, d) ? 0 : 1)
    }

    /// A torus or ring packet entering dimension d at router r: its direction (true: +) and its VC class.
    ///
    /// As BookSim2's `dim_order_torus`: the shorter way round, a tie (distance k/2) broken by `coinFlip`,
    /// and a class fixed for the whole dimension: going +, class 1 when the route wraps past k-1; going -,
    /// class 1 when it does not wrap. Each class is used in one order around each ring, so the two classes
    /// break the ring's channel cycle.
    @inline(__always)
    func enterTorusDimension(_ r: Int, _ dst: Int, _ d: Int, coinFlip: () -> Bool) -> (plus: Bool, partition: Int8) {
        let c = coordinate(r, d), t = coordinate(dst, d)
        let twiceDistance = k - 2 * ((t - c + k) % k)
        let plus = twiceDistance > 0 || (twiceDistance == 0 && coinFlip())
        let partition: Int8 = plus ? (c > t ? 1 : 0) : (t < c ? 1 : 0)
        return (plus, partition)
    }
}
