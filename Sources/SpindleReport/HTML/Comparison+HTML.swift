import Foundation
import SpindleCore

/// Several results side by side as one HTML page (`spindle compare --html`, `spindle sweep --html`).
public enum ComparisonHTML {
    /// One result and what it is called; `axes` gives a sweep point's value of each swept key.
    public struct Entry: Sendable {
        public var name: String
        public var report: RunReport
        public var axes: [(key: String, value: String)]
        public init(name: String, report: RunReport, axes: [(key: String, value: String)] = []) {
            self.name = name
            self.report = report
            self.axes = axes
        }
    }

    /// The page: a table of the key metrics, bars per metric, energy by component kind per result, the
    /// Pareto front of latency against energy, and for sweeps how latency and energy change along each
    /// swept key (the mean over the other keys' values, relative to the key's first value).
    public static func page(title: String, _ entries: [Entry]) throws(SpindleError) -> String {
        var page = HTMLPage(title: title, subtitle: "\(entries.count) results")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { page.data = try encoder.encode(entries.map(\.report)) } catch {
            throw SpindleError(.io, "cannot encode the results: \(error)")
        }
        let names = entries.map(\.name)
        let reports = entries.map(\.report)
        var html = HTMLPage.table(
            ["result", "scenario", "plan", "#latency", "#energy", "#samples/s", "#tile use", "#DRAM traffic"],
            entries.map { e in
                let r = e.report
                return [
                    e.name, r.scenario, r.plan, Units.formatTime(r.latencyPs), Units.formatEnergy(r.energyPJ.total),
                    Units.format(r.throughput, 1), Units.format(r.tileUtilisation * 100, 1) + " %",
                    Units.formatBytes(r.dataBytes.dramRead + r.dataBytes.dramWrite),
                ]
            })
        page.add("summary", "Results", html)
        html = ""
        let metrics: [(id: String, caption: String, values: [Double], format: (Double) -> String)] = [
            ("latency", "Latency of each result.", reports.map { Double($0.latencyPs) }, { Units.formatTime(ps: $0) }),
            ("energy", "Energy of each result.", reports.map(\.energyPJ.total), Units.formatEnergy),
            ("throughput", "Throughput (samples per second).", reports.map(\.throughput), { Units.format($0, 1) }),
            (
                "dram-traffic", "DRAM bytes read and written.", reports.map { Double($0.dataBytes.dramRead + $0.dataBytes.dramWrite) },
                { Units.formatBytes(count: $0) }
            ),
        ]
        for m in metrics {
            page.chart(
                "metric-" + m.id,
                SVGChart.stackedBars(id: "metric-" + m.id, caption: m.caption, rows: names, series: [(m.id, m.values)], format: m.format),
                into: &html)
        }
        let kinds = Set(reports.flatMap { $0.energyPJ.byComponent.keys }).sorted()
        page.chart(
            "energy-components",
            SVGChart.stackedBars(
                id: "energy-components", caption: "Energy of each result by component kind.", rows: names,
                series: kinds.map { k in (k, reports.map { $0.energyPJ.byComponent[k] ?? 0 }) }, format: Units.formatEnergy),
            into: &html)
        page.add("metrics", "Metrics", html)
        html = ""
        let points = reports.map { (x: Double($0.latencyPs), y: $0.energyPJ.total) }
        page.chart(
            "pareto",
            SVGChart.scatter(
                id: "pareto", caption: "Latency against energy; the dashed line joins the Pareto front (lower is better on both).",
                points: zip(points, names).map { (x: $0.x, y: $0.y, label: $1) }, front: SVGChart.paretoFront(points),
                xName: "latency", yName: "energy", xFormat: { Units.formatTime(ps: $0) }, yFormat: Units.formatEnergy),
            into: &html)
        page.add("pareto", "Latency against energy", html)
        let keys = entries.first?.axes.map(\.key) ?? []
        if !keys.isEmpty {
            html = ""
            for (k, key) in keys.enumerated() {
                var values: [String] = []
                for e in entries where k < e.axes.count && !values.contains(e.axes[k].value) { values.append(e.axes[k].value) }
                func mean(_ value: String, _ metric: (RunReport) -> Double) -> Double {
                    let chosen = entries.filter { k < $0.axes.count && $0.axes[k].value == value }.map { metric($0.report) }
                    return chosen.isEmpty ? 0 : chosen.reduce(0, +) / Double(chosen.count)
                }
                let latency = values.map { mean($0) { Double($0.latencyPs) } }
                let energy = values.map { mean($0) { $0.energyPJ.total } }
                let id = "axis-\(k)"
                page.chart(
                    id,
                    SVGChart.lines(
                        id: id,
                        caption:
                            "Along '\(key)': latency and energy relative to its first value (\(values.first ?? "")), the mean over the other swept keys.",
                        x: values.indices.map(Double.init),
                        series: [
                            ("latency", latency.map { latency[0] > 0 ? $0 / latency[0] : 0 }),
                            ("energy", energy.map { energy[0] > 0 ? $0 / energy[0] : 0 }),
                        ], xFormat: { Units.format($0, 0) }, yFormat: { Units.format($0, 2) + "x" }, markers: true, xLabels: values),
                    into: &html)
            }
            page.add("axes", "Along each swept key", html)
        }
        return page.render()
    }
}
