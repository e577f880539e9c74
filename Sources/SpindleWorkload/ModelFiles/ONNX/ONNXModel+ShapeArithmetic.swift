import SpindleCore

/// Shape arithmetic: the operators exported graphs use to compute shapes at run time (Shape, Gather, Slice,
/// Concat, Range, ...), followed for their output shapes and, when their inputs are known small integer
/// tensors, folded to values, so that a Reshape whose target is computed from `Shape` still has a known
/// target. Values are kept for tensors of at most `ONNXModel.maxFolded` elements.
extension ONNXModel.Importer {
    /// The axis `a` of a `rank`-dimensional tensor (negative counts from the end), or `nil` when out of range.
    static func axis(_ a: Int, rank: Int) -> Int? {
        let k = a < 0 ? a + rank : a
        return (0..<max(rank, 1)).contains(k) || (rank == 0 && k == 0) ? k : nil
    }

    /// Integer values of input `k`, when known.
    func values(_ node: Onnx_NodeProto, input k: Int) -> [Int64]? {
        k < node.input.count && !node.input[k].isEmpty ? constants[node.input[k]] : nil
    }

    /// Records the node's first output's values, when few enough to keep.
    mutating func fold(_ node: Onnx_NodeProto, _ values: [Int64]?) {
        guard let values, values.count <= ONNXModel.maxFolded, let o = node.output.first, !o.isEmpty else { return }
        constants[o] = values
    }

    /// Shape: the input's dimensions (from `start` to `end`), as values.
    mutating func shapeOf(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        let x = try shape(node, i, input: 0)
        let r = x.count
        func clampIndex(_ v: Int) -> Int { min(max(v < 0 ? v + r : v, 0), r) }
        let start = clampIndex(int(node, "start", 0)), end = clampIndex(int(node, "end", r))
        let dims = start < end ? Array(x[start..<end]) : []
        try set(node, [dims.count], i)
        fold(node, dims.map { Int64($0) })
    }

    /// Gather along `axis`: the shape, and the values when the data is a known vector.
    mutating func gather(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        let d = try shape(node, i, input: 0), q = try shape(node, i, input: 1)
        guard let a = Self.axis(int(node, "axis", 0), rank: d.count), !d.isEmpty else {
            throw fail(node, i, "axis \(int(node, "axis", 0)) of a \(d.count)-dimensional input")
        }
        try set(node, Array(d[..<a]) + q + Array(d[(a + 1)...]), i)
        if d.count == 1, let data = values(node, input: 0), let indices = values(node, input: 1) {
            var out: [Int64] = []
            for k in indices {
                let j = k < 0 ? Int(k) + data.count : Int(clamping: k)
                guard data.indices.contains(j) else {
                    throw fail(
                        node, i, "index \(k) into \(data.count) values", expected: "indices from \(-data.count) to \(data.count - 1)")
                }
                out.append(data[j])
            }
            fold(node, out)
        }
    }

    /// Slice by `starts`, `ends`, `axes` and `steps` (inputs from opset 10, attributes before).
    mutating func slice(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        let d = try shape(node, i, input: 0)
        func list(_ k: Int, _ name: String) -> [Int]? {
            if node.input.count > 1 {
                return k < node.input.count && !node.input[k].isEmpty ? values(node, input: k)?.map { Int(clamping: $0) } : nil
            }
            return ints(node, name)
        }
        let opset10 = node.input.count > 1
        guard let starts = list(1, "starts"), let ends = list(2, "ends") else {
            throw fail(
                node, i, "its starts or ends are computed from values the importer does not know",
                expected: "starts and ends that are constants or follow from shapes")
        }
        let explicitAxes = list(3, "axes")
        let axes = explicitAxes ?? Array(0..<starts.count)
        let steps = (opset10 ? list(4, "steps") : nil) ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count,
            steps.allSatisfy({ $0 != 0 })
        else {
            throw fail(
                node, i, "starts \(starts), ends \(ends), axes \(axes), steps \(steps)", expected: "lists of one length, steps not 0")
        }
        var out = d
        var ranges: [(start: Int, step: Int, count: Int)] = d.map { (0, 1, $0) }
        for k in starts.indices {
            guard let a = Self.axis(axes[k], rank: d.count) else { throw fail(node, i, "axis \(axes[k]) of \(d.count) dimensions") }
            // Steps beyond the axis' length take the same one element.
            let n = d[a], step = max(min(steps[k], n + 1), -(n + 1))
            func clampIndex(_ v: Int, low: Int, high: Int) -> Int { min(max(v < 0 ? v &+ n : v, low), high) }
            let start = step > 0 ? clampIndex(starts[k], low: 0, high: n) : clampIndex(starts[k], low: -1, high: n - 1)
            let end = step > 0 ? clampIndex(ends[k], low: 0, high: n) : clampIndex(ends[k], low: -1, high: n - 1)
            let count = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end - step - 1) / -step)
            out[a] = count
            ranges[a] = (start, step, count)
        }
        try set(node, out, i)
        if d.count == 1, let data = values(node, input: 0), data.count == d[0] {
            fold(node, (0..<ranges[0].count).map { data[ranges[0].start + $0 * ranges[0].step] })
        }
    }

    /// Split along `axis` into the sizes of `split` (an input from opset 13), or into equal parts.
    mutating func split(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        let d = try shape(node, i, input: 0)
        guard let a = Self.axis(int(node, "axis", 0), rank: d.count), !d.isEmpty else {
            throw fail(node, i, "axis \(int(node, "axis", 0)) of a \(d.count)-dimensional input")
        }
        let outputs = node.output.count
        var sizes = values(node, input: 1)?.map { Int(clamping: $0) } ?? ints(node, "split")
        if sizes == nil {
            let parts = int(node, "num_outputs", outputs)
            guard parts >= 1 else { throw fail(node, i, "\(parts) outputs") }
            let each = (d[a] + parts - 1) / parts
            sizes = (0..<parts).map { min(each, max(d[a] - $0 * each, 0)) }
        }
        guard let sizes, sizes.count == outputs, sizes.allSatisfy({ (0...d[a]).contains($0) }), sizes.reduce(0, +) == d[a] else {
            throw fail(node, i, "parts \(sizes ?? []) of the \(d[a]) along axis \(a) for \(outputs) outputs")
        }
        for (k, o) in node.output.enumerated() where !o.isEmpty {
            var s = d
            s[a] = sizes[k]
            shapes[o] = s
        }
    }

    /// Range(start, limit, delta): its length, and its values when short.
    mutating func range(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        guard let s = values(node, input: 0)?.first, let l = values(node, input: 1)?.first, let d = values(node, input: 2)?.first,
            d != 0
        else {
            throw fail(node, i, "its start, limit or delta is not known", expected: "integer constants or values that follow from shapes")
        }
        let (span, overflow) = l.subtractingReportingOverflow(s)
        guard !overflow else { throw fail(node, i, "a range from \(s) to \(l)") }
        // ceil(span / delta) without overflow: the quotient, plus one when a remainder is left in delta's direction.
        let (quotient, overflow1) = span.dividedReportingOverflow(by: d)
        let (rest, overflow2) = span.remainderReportingOverflow(dividingBy: d)
        guard !overflow1, !overflow2 else { throw fail(node, i, "a range from \(s) to \(l) by \(d)") }
        let count = max(0, Int(clamping: quotient) + (rest != 0 && (rest > 0) == (d > 0) ? 1 : 0))
        try set(node, [count], i)
        fold(node, count <= ONNXModel.maxFolded ? (0..<count).map { s &+ Int64($0) &* d } : nil)
    }

    /// ConstantOfShape: a tensor of the shape its input's values give.
    mutating func constantOfShape(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        guard let dims = values(node, input: 0), dims.count <= 16, dims.allSatisfy({ (0...Int64(ONNXModel.maxElements)).contains($0) })
        else {
            throw fail(node, i, "its shape is not known", expected: "a shape that is a constant or follows from shapes")
        }
        let shape = dims.map { Int($0) }
        try set(node, shape, i)
        if let t = attribute(node, "value")?.t, let v = Self.integers(t)?.first, let n = Self.product(shape) {
            fold(node, n <= ONNXModel.maxFolded ? Array(repeating: v, count: n) : nil)
        }
    }

    /// Expand: the input broadcast to a shape given as values.
    mutating func expand(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        let x = try shape(node, i, input: 0)
        guard let target = values(node, input: 1), target.count <= 16, target.allSatisfy({ (0...Int64(1 << 32)).contains($0) }) else {
            throw fail(node, i, "its target shape is not known", expected: "a shape that is a constant or follows from shapes")
        }
        try set(node, Self.broadcast(x, target.map { Int($0) }), i)
    }

    /// A reduction over `axes` (attribute, or input from opset 13/18), keeping them as 1s when `keepdims`.
    mutating func reduce(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
        let x = try shape(node, i, input: 0)
        let given = ints(node, "axes") ?? values(node, input: 1)?.map { Int(clamping: $0) }
        let keep = int(node, "keepdims", 1) == 1
        var axes: Set<Int> = []
        if let given, !given.isEmpty {
            for a in given {
                guard let k = Self.axis(a, rank: x.count) else { throw fail(node, i, "axis \(a) of \(x.count) dimensions") }
                axes.insert(k)
            }
        } else if int(node, "noop_with_empty_axes", 0) == 0 {
            axes = Set(x.indices)
        }
        try set(node, x.enumerated().compactMap { axes.contains($0.offset) ? (keep ? 1 : nil) : $0.element }, i)
    }

    /// Elementwise integer arithmetic on known values (shape computations such as `sequence - 1`).
    mutating func foldArithmetic(_ node: Onnx_NodeProto) {
        guard node.input.count == 2, let a = values(node, input: 0), let b = values(node, input: 1), !a.isEmpty, !b.isEmpty,
            a.count == b.count || a.count == 1 || b.count == 1
        else { return }
        let n = max(a.count, b.count)
        var out: [Int64] = []
        for k in 0..<n {
            let x = a[a.count == 1 ? 0 : k], y = b[b.count == 1 ? 0 : k]
            let r: (Int64, Bool)
            switch node.opType {
            case "Add": r = x.addingReportingOverflow(y)
            case "Sub": r = x.subtractingReportingOverflow(y)
            case "Mul": r = x.multipliedReportingOverflow(by: y)
            case "Div": r = y == 0 ? (0, true) : x.dividedReportingOverflow(by: y)
            default: return
            }
            guard !r.1 else { return }
            out.append(r.0)
        }
        fold(node, out)
    }
}
