import Foundation
import SpindleCore

/// Edits a decoded JSON value the way a careless or hostile hand would, for the tests that read saved
/// results back: one value somewhere inside (chosen by `rng`) becomes an extreme number, a string, an empty
/// collection or null, or a key disappears.
public func mutateJSON(_ value: Any, _ rng: inout RandomStream, depth: Int = 0) -> Any {
    let hostile: [Any] = [
        0, -1, 1e308, -1e308, 1e-300, UInt64.max, Int.max, "x", [Any](), [String: Any](), NSNull(), 65_537, 4_097, [[0, 0, 0, 0]],
        [1, 2],
    ]
    func pick() -> Any { hostile[Int(rng.next() % UInt64(hostile.count))] }
    if depth > 0 && rng.next() % 4 == 0 { return pick() }
    switch value {
    case var d as [String: Any] where !d.isEmpty:
        let keys = d.keys.sorted()
        let k = keys[Int(rng.next() % UInt64(keys.count))]
        if rng.next() % 10 == 0 { d[k] = nil } else { d[k] = mutateJSON(d[k]!, &rng, depth: depth + 1) }
        return d
    case var a as [Any] where !a.isEmpty:
        let i = Int(rng.next() % UInt64(a.count))
        a[i] = mutateJSON(a[i], &rng, depth: depth + 1)
        return a
    default:
        return pick()
    }
}
