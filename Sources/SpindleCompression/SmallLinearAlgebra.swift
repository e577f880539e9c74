import Foundation

/// Dense least squares for the tall, 3-column problems of SED, in float64.
///
/// Solutions are the minimum-norm least-squares solutions with singular values at or below
/// `rcond * sigma_max` treated as zero, the same rule as numpy's SVD-based `lstsq`. The singular vectors
/// come from the symmetric eigen-decomposition of the small Gram matrix (cyclic Jacobi).
enum SmallLinearAlgebra {
    /// Eigen-decomposition of a symmetric S x S matrix (row-major): eigenvalues and column eigenvectors.
    static func symmetricEigen(_ a: [Double], _ s: Int) -> (values: [Double], vectors: [Double]) {
        var a = a
        var v = [Double](repeating: 0, count: s * s)
        for i in 0..<s { v[i * s + i] = 1 }
        for _ in 0..<60 {
            var off = 0.0
            for p in 0..<s { for q in (p + 1)..<s where q < s { off += a[p * s + q] * a[p * s + q] } }
            if off < 1e-300 { break }
            for p in 0..<s {
                for q in (p + 1)..<s {
                    let apq = a[p * s + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * s + q] - a[p * s + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), sn = t * c
                    for k in 0..<s {
                        let akp = a[k * s + p], akq = a[k * s + q]
                        a[k * s + p] = c * akp - sn * akq
                        a[k * s + q] = sn * akp + c * akq
                    }
                    for k in 0..<s {
                        let apk = a[p * s + k], aqk = a[q * s + k]
                        a[p * s + k] = c * apk - sn * aqk
                        a[q * s + k] = sn * apk + c * aqk
                    }
                    for k in 0..<s {
                        let vkp = v[k * s + p], vkq = v[k * s + q]
                        v[k * s + p] = c * vkp - sn * vkq
                        v[k * s + q] = sn * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<s).map { a[$0 * s + $0] }, v)
    }

    /// Pseudo-inverse of an m x s matrix `x` (row-major), s small: an s x m matrix.
    static func pseudoInverse(_ x: [Double], rows m: Int, cols s: Int, rcond: Double) -> [Double] {
        // Gram G = X^T X (s x s).
        var g = [Double](repeating: 0, count: s * s)
        for r in 0..<m {
            for i in 0..<s {
                let xi = x[r * s + i]
                if xi == 0 { continue }
                for j in i..<s { g[i * s + j] += xi * x[r * s + j] }
            }
        }
        for i in 0..<s { for j in 0..<i { g[i * s + j] = g[j * s + i] } }
        let (lambda, v) = symmetricEigen(g, s)
        let sigma = lambda.map { $0 > 0 ? $0.squareRoot() : 0 }
        let cutoff = rcond * (sigma.max() ?? 0)
        // pinv = V diag(1/sigma^2) V^T X^T over the kept singular values.
        var core = [Double](repeating: 0, count: s * s)  // V diag V^T
        for k in 0..<s where sigma[k] > cutoff && sigma[k] > 0 {
            let w = 1 / (sigma[k] * sigma[k])
            for i in 0..<s { for j in 0..<s { core[i * s + j] += v[i * s + k] * w * v[j * s + k] } }
        }
        var p = [Double](repeating: 0, count: s * m)
        for i in 0..<s {
            for r in 0..<m {
                var acc = 0.0
                for j in 0..<s { acc += core[i * s + j] * x[r * s + j] }
                p[i * m + r] = acc
            }
        }
        return p
    }

    /// Minimum-norm solution B (s x n) of X B = A for X m x s and A m x n.
    static func leastSquares(_ x: [Double], _ a: [Double], rows m: Int, cols s: Int, rhs n: Int, rcond: Double) -> [Double] {
        multiply(pseudoInverse(x, rows: m, cols: s, rcond: rcond), a, rows: s, inner: m, cols: n)
    }

    /// The product of an m x s and an s x n matrix (row-major), skipping zero entries of the left one.
    static func multiply(_ x: [Double], _ y: [Double], rows m: Int, inner s: Int, cols n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for r in 0..<m {
            for k in 0..<s {
                let xr = x[r * s + k]
                if xr == 0 { continue }
                for j in 0..<n { out[r * n + j] += xr * y[k * n + j] }
            }
        }
        return out
    }
}
