import SpindleCore

/// Charts as inline SVG for the HTML reports: each returns a `<figure>` with the given id, an `<svg>` that
/// scales to the page's width, a legend where colours mean something, and a `<title>` on every mark, which
/// browsers show on hover. No script is needed to read them, and they print.
public enum SVGChart {
    /// Colours for categories, in order (colour-blind-safe first eight, after Okabe and Ito, then more).
    static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999", "#7F3C8D",
        "#11A579", "#3969AC", "#F2B701", "#E73F74", "#80BA5A", "#E68310",
    ]

    static func colour(_ i: Int) -> String { palette[((i % palette.count) + palette.count) % palette.count] }

    /// Escapes text for HTML and SVG content and attributes.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func n(_ v: Double) -> String { v.isFinite ? Units.format(v, 1) : "0" }

    static func figure(
        _ id: String, _ caption: String, width: Double, height: Double, body: String, legend: [String] = [], colours: [Int]? = nil
    ) -> String {
        var html = "<figure class=\"chart\" id=\"\(escape(id))\">"
        html +=
            "<svg viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(escape(caption))\" preserveAspectRatio=\"xMinYMin meet\">"
        html += body + "</svg>"
        if !legend.isEmpty {
            html += "<ul class=\"legend\">"
            for (i, name) in legend.enumerated() {
                html += "<li><span class=\"swatch\" style=\"background:\(colour(colours?[i] ?? i))\"></span>\(escape(name))</li>"
            }
            html += "</ul>"
        }
        html += "<figcaption>\(escape(caption))</figcaption></figure>"
        return html
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", cls: String = "label") -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" class=\"\(cls)\">\(escape(s))</text>"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String, opacity: Double = 1) -> String {
        "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(w, 0)))\" height=\"\(n(max(h, 0)))\" fill=\"\(fill)\""
            + (opacity < 1 ? " fill-opacity=\"\(Units.format(opacity, 2))\"" : "") + "><title>\(escape(title))</title></rect>"
    }

    /// A row label column wide enough for the longest label (clamped).
    static func labelWidth(_ labels: [String]) -> Double { min(240, max(60, Double(labels.map(\.count).max() ?? 0) * 7.4 + 14)) }

    /// Horizontal bars, one per row, each split into the series' segments (stacked). `format` writes values.
    public static func stackedBars(
        id: String, caption: String, rows: [String], series: [(name: String, values: [Double])], format: (Double) -> String,
        colours: [Int]? = nil
    ) -> String {
        let width = 800.0, rowHeight = 22.0, label = labelWidth(rows), right = 90.0
        let totals = rows.indices.map { r in series.reduce(0) { $0 + max($1.values[r], 0) } }
        let maxTotal = max(totals.max() ?? 0, 1e-300)
        let plot = width - label - right
        var body = ""
        for (r, row) in rows.enumerated() {
            let y = Double(r) * rowHeight + 4
            body += text(label - 6, y + 14, row, anchor: "end")
            var x = label
            for (s, serie) in series.enumerated() {
                let v = max(serie.values[r], 0)
                guard v > 0 else { continue }
                let w = v / maxTotal * plot
                let share = totals[r] > 0 ? v / totals[r] * 100 : 0
                body += rect(
                    x, y, w, rowHeight - 6, fill: colour(colours?[s] ?? s),
                    title: "\(row): \(serie.name) \(format(v)) (\(Units.format(share, 1)) %)")
                x += w
            }
            body += text(x + 4, y + 14, format(totals[r]), cls: "value")
        }
        let height = Double(rows.count) * rowHeight + 8
        return figure(
            id, caption, width: width, height: height, body: body, legend: series.count > 1 ? series.map(\.name) : [], colours: colours)
    }

    /// Bars side by side per row (one per series), horizontal.
    public static func groupedBars(
        id: String, caption: String, rows: [String], series: [(name: String, values: [Double])], format: (Double) -> String
    ) -> String {
        let width = 800.0, bar = 9.0, label = labelWidth(rows), right = 90.0
        let group = Double(series.count) * bar + 8
        let maxValue = max(series.flatMap(\.values).max() ?? 0, 1e-300)
        let plot = width - label - right
        var body = ""
        for (r, row) in rows.enumerated() {
            let y0 = Double(r) * group + 4
            body += text(label - 6, y0 + group / 2 + 2, row, anchor: "end")
            for (s, serie) in series.enumerated() {
                let v = max(serie.values[r], 0)
                let y = y0 + Double(s) * bar
                body += rect(label, y, v / maxValue * plot, bar - 1, fill: colour(s), title: "\(row): \(serie.name) \(format(v))")
                body += text(label + v / maxValue * plot + 4, y + bar - 1, format(v), cls: "value small")
            }
        }
        return figure(id, caption, width: width, height: Double(rows.count) * group + 8, body: body, legend: series.map(\.name))
    }

    /// Lines over a shared x axis (drawn as steps of equal-width bins when `steps`).
    public static func lines(
        id: String, caption: String, x: [Double], series: [(name: String, values: [Double])], xFormat: (Double) -> String,
        yFormat: (Double) -> String, steps: Bool = false, markers: Bool = false, xLabels: [String]? = nil
    ) -> String {
        let width = 800.0, height = 260.0, left = 70.0, bottom = 36.0, top = 10.0, right = 16.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xMin = x.min() ?? 0, xMax = max(x.max() ?? 1, xMin + 1e-300)
        let yMax = max(series.flatMap(\.values).filter(\.isFinite).max() ?? 0, 1e-300) * 1.05
        func px(_ v: Double) -> Double { left + (v - xMin) / (xMax - xMin) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v.isFinite ? v : 0) / yMax * plotH }
        var body = "<line x1=\"\(n(left))\" y1=\"\(n(top + plotH))\" x2=\"\(n(left + plotW))\" y2=\"\(n(top + plotH))\" class=\"axis\"/>"
        body += "<line x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(top + plotH))\" class=\"axis\"/>"
        for i in 0...4 {
            let v = yMax * Double(i) / 4
            body += "<line x1=\"\(n(left))\" y1=\"\(n(py(v)))\" x2=\"\(n(left + plotW))\" y2=\"\(n(py(v)))\" class=\"grid\"/>"
            body += text(left - 4, py(v) + 4, yFormat(v), anchor: "end", cls: "tick")
        }
        if let xLabels {
            for (i, l) in xLabels.enumerated() where i < x.count {
                body += text(px(x[i]), top + plotH + 16, l, anchor: "middle", cls: "tick")
            }
        } else {
            for i in 0...4 {
                let v = xMin + (xMax - xMin) * Double(i) / 4
                body += text(px(v), top + plotH + 16, xFormat(v), anchor: i == 0 ? "start" : i == 4 ? "end" : "middle", cls: "tick")
            }
        }
        let stepWidth = x.count > 1 ? (x[1] - x[0]) : 0
        for (s, serie) in series.enumerated() {
            var d = ""
            for (i, v) in serie.values.enumerated() where i < x.count {
                let p = (px(x[i]), py(v))
                d += (d.isEmpty ? "M" : "L") + n(p.0) + " " + n(p.1)
                if steps { d += "L" + n(px(x[i] + stepWidth)) + " " + n(p.1) }
            }
            body +=
                "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour(s))\" stroke-width=\"1.6\"><title>\(escape(serie.name))</title></path>"
            if markers {
                for (i, v) in serie.values.enumerated() where i < x.count {
                    let label = xLabels.map { $0[i] } ?? xFormat(x[i])
                    body +=
                        "<circle cx=\"\(n(px(x[i])))\" cy=\"\(n(py(v)))\" r=\"3.5\" fill=\"\(colour(s))\"><title>\(escape("\(serie.name) at \(label): \(yFormat(v))"))</title></circle>"
                }
            }
        }
        if !markers && x.count > 1 {
            // Invisible columns carry the hover values of every series at each x.
            let w = plotW / Double(x.count)
            for i in x.indices {
                let parts = series.map { "\($0.name) \(yFormat(i < $0.values.count ? $0.values[i] : 0))" }
                body += rect(
                    px(x[i]), top, w, plotH, fill: "transparent", title: "\(xFormat(x[i])): " + parts.joined(separator: ", "))
            }
        }
        return figure(id, caption, width: width, height: height, body: body, legend: series.map(\.name))
    }

    /// A grid of cells, one row per label and one column per bin, shaded by value in 0...1.
    public static func heatMap(
        id: String, caption: String, rows: [String], values: [[Double]], columnTitle: (Int) -> String, format: (Double) -> String
    ) -> String {
        let width = 800.0, label = labelWidth(rows), right = 10.0
        let columns = values.map(\.count).max() ?? 0
        let cell = max(2.0, min(16.0, 420.0 / Double(max(rows.count, 1))))
        let cw = (width - label - right) / Double(max(columns, 1))
        var body = ""
        for (r, row) in rows.enumerated() {
            let y = Double(r) * cell + 2
            if cell >= 8 || r % Int((8 / cell).rounded(.up)) == 0 {
                body += text(label - 6, y + min(cell, 12) - 1, row, anchor: "end", cls: "tick")
            }
            for (c, v) in values[r].enumerated() where v > 0 {
                body += rect(
                    label + Double(c) * cw, y, cw + 0.3, cell, fill: heat(v), title: "\(row), \(columnTitle(c)): \(format(v))")
            }
        }
        let height = Double(rows.count) * cell + 22
        body += text(label, height - 4, columnTitle(0), cls: "tick")
        body += text(width - right, height - 4, columnTitle(max(columns - 1, 0)), anchor: "end", cls: "tick")
        var scale = "<div class=\"scale\"><span>0</span>"
        for i in 1...10 { scale += "<span class=\"cell\" style=\"background:\(heat(Double(i) / 10))\"></span>" }
        scale += "<span>\(escape(format(1)))</span></div>"
        return figure(id, caption, width: width, height: height, body: body).replacingOccurrences(
            of: "<figcaption>", with: scale + "<figcaption>")
    }

    /// Light to dark blue for 0...1.
    static func heat(_ v: Double) -> String {
        let t = v.isFinite ? min(max(v, 0), 1) : 0
        let r = Int(239 - t * (239 - 8)), g = Int(243 - t * (243 - 48)), b = Int(255 - t * (255 - 107))
        return "rgb(\(r),\(g),\(b))"
    }

    /// One span of a Gantt row: its interval, what it is, and its colour's category.
    public struct Span: Sendable {
        public var start: Double
        public var end: Double
        public var title: String
        public var category: Int
        public var faint: Bool
        public init(start: Double, end: Double, title: String, category: Int, faint: Bool = false) {
            self.start = start
            self.end = end
            self.title = title
            self.category = category
            self.faint = faint
        }
    }

    /// Rows of spans on a shared time axis; `categories` names the colours.
    public static func gantt(
        id: String, caption: String, rows: [(name: String, spans: [Span])], categories: [String], endPs: Double
    ) -> String {
        let width = 800.0, label = labelWidth(rows.map(\.name)), right = 10.0, bottom = 20.0
        let row = max(4.0, min(18.0, 480.0 / Double(max(rows.count, 1))))
        let plot = width - label - right
        let end = max(endPs, 1e-300)
        var body = ""
        for (r, line) in rows.enumerated() {
            let y = Double(r) * row + 2
            if row >= 9 || r % Int((9 / row).rounded(.up)) == 0 {
                body += text(label - 6, y + min(row, 12) - 2, line.name, anchor: "end", cls: "tick")
            }
            let drawn = line.spans.count <= 400 ? coalesce(line.spans, within: end / 1_600) : dominant(line.spans, end: end, bins: 800)
            for s in drawn {
                body += rect(
                    label + s.start / end * plot, y, max((s.end - s.start) / end * plot, 0.4), row - 1.5,
                    fill: s.faint ? "#bbbbbb" : colour(s.category), title: s.title, opacity: s.faint ? 0.6 : 1)
            }
        }
        let height = Double(rows.count) * row + bottom + 4
        for i in 0...4 {
            let t = end * Double(i) / 4
            body += text(
                label + plot * Double(i) / 4, height - 4, Units.formatTime(ps: t),
                anchor: i == 0 ? "start" : i == 4 ? "end" : "middle", cls: "tick")
        }
        return figure(id, caption, width: width, height: height, body: body, legend: categories)
    }

    /// Joins neighbouring spans of one category that are less than `gap` apart (narrower than a pixel, so
    /// drawing them apart shows nothing more); a joined span's title says how many it stands for.
    static func coalesce(_ spans: [Span], within gap: Double) -> [Span] {
        var out: [Span] = []
        var count = 1
        for s in spans.sorted(by: { $0.start < $1.start }) {
            if var last = out.last, last.category == s.category, last.faint == s.faint, s.start - last.end < gap,
                s.end - last.start < gap * 40
            {
                count += 1
                last.end = max(last.end, s.end)
                let kind = last.title.split(separator: ",").first.map(String.init) ?? last.title
                last.title =
                    "\(kind), and more: \(count) spans from \(Units.formatTime(ps: last.start)) to \(Units.formatTime(ps: last.end))"
                out[out.count - 1] = last
            } else {
                count = 1
                out.append(s)
            }
        }
        return out
    }

    /// A dense row drawn at `bins` columns: each column shows the category that took most of its time, and
    /// neighbouring columns of one category are joined; titles give that category's share.
    static func dominant(_ spans: [Span], end: Double, bins: Int) -> [Span] {
        let width = end / Double(bins)
        var time = [[Int: Double]](repeating: [:], count: bins)
        var names: [Int: String] = [:]
        var faint: [Int: Bool] = [:]
        for s in spans where s.end > s.start && s.start.isFinite && s.end.isFinite {
            let key = s.faint ? -1 - s.category : s.category
            names[key] = names[key] ?? (s.title.split(separator: ",").first.map(String.init) ?? s.title)
            faint[key] = s.faint
            var b = max(0, min(bins - 1, Int(s.start / width)))
            while b < bins && Double(b) * width < s.end {
                let overlap = min(s.end, Double(b + 1) * width) - max(s.start, Double(b) * width)
                if overlap > 0 { time[b][key, default: 0] += overlap }
                b += 1
            }
        }
        var out: [Span] = []
        for b in 0..<bins {
            guard let (key, t) = time[b].max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) else { continue }
            let start = Double(b) * width
            if var last = out.last, last.end == start, (last.faint ? -1 - last.category : last.category) == key {
                last.end = start + width
                out[out.count - 1] = last
            } else {
                out.append(
                    Span(
                        start: start, end: start + width,
                        title:
                            "\(names[key] ?? ""): most of the time from here (\(Units.format(t / width * 100, 0)) % of \(Units.formatTime(ps: width))); the trace file has every span",
                        category: key < 0 ? -1 - key : key, faint: faint[key] ?? false))
            }
        }
        return out
    }

    /// Points on two axes, with the points of `front` joined (a Pareto front).
    public static func scatter(
        id: String, caption: String, points: [(x: Double, y: Double, label: String)], front: [Int], xName: String, yName: String,
        xFormat: (Double) -> String, yFormat: (Double) -> String
    ) -> String {
        let width = 800.0, height = 320.0, left = 80.0, bottom = 44.0, top = 10.0, right = 20.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = points.map(\.x), ys = points.map(\.y)
        let xMin = (xs.min() ?? 0) * 0.95, xMax = max((xs.max() ?? 1) * 1.05, xMin + 1e-300)
        let yMin = (ys.min() ?? 0) * 0.95, yMax = max((ys.max() ?? 1) * 1.05, yMin + 1e-300)
        func px(_ v: Double) -> Double { left + (v - xMin) / (xMax - xMin) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v - yMin) / (yMax - yMin) * plotH }
        var body = "<line x1=\"\(n(left))\" y1=\"\(n(top + plotH))\" x2=\"\(n(left + plotW))\" y2=\"\(n(top + plotH))\" class=\"axis\"/>"
        body += "<line x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(top + plotH))\" class=\"axis\"/>"
        for i in 0...4 {
            let xv = xMin + (xMax - xMin) * Double(i) / 4, yv = yMin + (yMax - yMin) * Double(i) / 4
            body += text(px(xv), top + plotH + 16, xFormat(xv), anchor: i == 0 ? "start" : i == 4 ? "end" : "middle", cls: "tick")
            body += text(left - 4, py(yv) + 4, yFormat(yv), anchor: "end", cls: "tick")
        }
        body += text(left + plotW / 2, height - 4, xName, anchor: "middle")
        body +=
            "<text x=\"14\" y=\"\(n(top + plotH / 2))\" transform=\"rotate(-90 14 \(n(top + plotH / 2)))\" text-anchor=\"middle\" class=\"label\">\(escape(yName))</text>"
        let ordered = front.sorted { points[$0].x < points[$1].x }
        if ordered.count > 1 {
            let d = ordered.enumerated().map {
                ($0.offset == 0 ? "M" : "L") + n(px(points[$0.element].x)) + " " + n(py(points[$0.element].y))
            }
            body += "<path d=\"\(d.joined())\" fill=\"none\" stroke=\"\(colour(1))\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>"
        }
        let onFront = Set(front)
        for (i, p) in points.enumerated() {
            body +=
                "<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"\(onFront.contains(i) ? 5 : 3.5)\" fill=\"\(onFront.contains(i) ? colour(1) : colour(0))\"><title>\(escape("\(p.label): \(xName) \(xFormat(p.x)), \(yName) \(yFormat(p.y))\(onFront.contains(i) ? " (on the Pareto front)" : "")"))</title></circle>"
        }
        return figure(
            id, caption, width: width, height: height, body: body, legend: ["point", "Pareto front (no point is better in both)"])
    }

    /// The indices of points no other point beats on both coordinates (lower is better on each).
    public static func paretoFront(_ points: [(x: Double, y: Double)]) -> [Int] {
        points.indices.filter { i in
            !points.indices.contains { j in
                j != i && points[j].x <= points[i].x && points[j].y <= points[i].y
                    && (points[j].x < points[i].x || points[j].y < points[i].y)
            }
        }
    }
}
