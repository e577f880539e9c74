import Foundation
import SpindleCore
import SpindleParallelism
import SpindleReport

extension ClusterRunReport {
    /// Chips whose timeline `spindle run --html` records for the report when no trace is asked for (spread
    /// over the pipeline stages in training).
    public static let htmlTimelineChips = 16

    /// The report as one self-contained HTML page: the summary, where each pipeline stage's time went
    /// (training) or the serving time and energy split, link traffic by level, and with `timeline` the traced
    /// chips' spans over time.
    public func html(timeline: Timeline? = nil) throws(SpindleError) -> String {
        var page = HTMLPage(title: "Spindle report: \(scenario)", subtitle: "on \(cluster) (\(chips) chips)")
        page.data = try jsonData()
        var summary = ""
        if let t = training {
            summary += HTMLPage.cards([
                (Units.format(t.iterationSeconds, 3) + " s", "iteration"),
                (Units.format(t.hardwareTFLOPsPerChip, 1), "TFLOP/s per chip (recomputation included)"),
                (Units.format(t.modelFLOPsUtilisation * 100, 1) + " %", "model FLOPs utilisation"),
                (Units.format(t.tokensPerSecond, 0), "tokens per second"),
                (Units.formatBytes(count: t.peakMemoryBytes), "memory per chip (of \(Units.formatBytes(count: t.memoryCapacityBytes)))"),
                (Units.formatEnergy(t.linkEnergyPJ), "energy in links"),
            ])
            summary +=
                "<p class=\"note\">Plan \(SVGChart.escape(t.plan.description)), \(SVGChart.escape(t.schedule.rawValue)) schedule, \(SVGChart.escape(t.network)) (\(t.fidelity)-level network).</p>"
        }
        if let i = inference {
            summary += HTMLPage.cards([
                (Units.formatTime(ps: i.timeToFirstTokenSeconds * 1e12), "time to first token"),
                (Units.formatTime(ps: i.timePerOutputTokenSeconds * 1e12), "time per output token"),
                (Units.format(i.tokensPerSecond, 1), "tokens per second"),
                (Units.formatBytes(count: i.weightBytesPerChip), "weights per chip"),
                (Units.formatBytes(count: i.cacheBytesPerChip), "KV cache per chip"),
                (Units.formatEnergy(i.energy.totalPJ), "energy (weights, cache, links)"),
            ])
        }
        if let c = collective {
            summary += HTMLPage.cards([
                (Units.formatTime(ps: c.timePs), "\(c.operation) of \(Units.formatBytes(count: c.bytes))"),
                (Units.format(c.algorithmGBPerSecond, 2) + " GB/s", "algorithm bandwidth"),
                (String(c.transfers), "transfers in \(c.steps) steps"),
                (Units.formatEnergy(c.energyPJ), "energy in links"),
            ])
        }
        page.add("summary", "Summary", summary)
        if let t = training {
            var html = ""
            let parts: [(String, KeyPath<TrainingResult.Stage, Double>)] = [
                ("compute", \.computeSeconds), ("recompute", \.recomputeSeconds), ("tensor collectives", \.tensorSeconds),
                ("data collectives", \.dataSeconds), ("expert collectives", \.expertSeconds), ("pipeline wait", \.pipelineWaitSeconds),
                ("tail", \.tailSeconds),
            ]
            // Compute includes recompute; the bars show compute without it, and recompute on its own.
            var series: [(name: String, values: [Double])] = []
            for (name, path) in parts {
                let values: [Double] = t.stages.map { s in name == "compute" ? s.computeSeconds - s.recomputeSeconds : s[keyPath: path] }
                if values.contains(where: { $0 > 0 }) { series.append((name, values)) }
            }
            page.chart(
                "stage-time",
                SVGChart.stackedBars(
                    id: "stage-time", caption: "Where each pipeline stage's iteration went (mean over the stage's chips).",
                    rows: t.stages.indices.map { "stage \($0)" }, series: series, format: { Units.format($0, 3) + " s" }), into: &html)
            if t.linkBytesByLevel.count > 0 {
                page.chart(
                    "link-bytes",
                    SVGChart.stackedBars(
                        id: "link-bytes", caption: "Bytes that crossed links of each level of the cluster.",
                        rows: t.linkBytesByLevel.indices.map { "level \($0)" }, series: [("bytes", t.linkBytesByLevel)],
                        format: { Units.formatBytes(count: $0) }), into: &html)
            }
            page.add("time", "Time", html)
        }
        if let i = inference {
            var html = ""
            page.chart(
                "serving-time",
                SVGChart.stackedBars(
                    id: "serving-time", caption: "Where the serving time went (summed over steps).", rows: ["time"],
                    series: [
                        ("compute or memory", [i.computeSeconds]), ("tensor collectives", [i.tensorSeconds]), ("waiting", [i.waitSeconds]),
                    ],
                    format: { Units.format($0, 4) + " s" }), into: &html)
            page.chart(
                "serving-energy",
                SVGChart.stackedBars(
                    id: "serving-energy", caption: "Energy of weights, KV cache and links.", rows: ["energy"],
                    series: [("weights", [i.energy.weightsPJ]), ("KV cache", [i.energy.cachePJ]), ("links", [i.energy.links])],
                    format: Units.formatEnergy), into: &html)
            page.add("time", "Time and energy", html)
        }
        if let c = collective, !c.linkBytes.isEmpty {
            var html = ""
            let top = c.linkBytes.enumerated().sorted { $0.element > $1.element }.prefix(32)
            page.chart(
                "link-bytes",
                SVGChart.stackedBars(
                    id: "link-bytes", caption: "Bytes per link (the busiest \(top.count) of \(c.linkBytes.count)).",
                    rows: top.map { "link \($0.offset)" }, series: [("bytes", top.map(\.element))],
                    format: { Units.formatBytes(count: $0) }), into: &html)
            page.add("links", "Links", html)
        }
        if let timeline, !timeline.spans.isEmpty {
            var html = ""
            var categories: [String] = []
            var index: [String: Int] = [:]
            var rows: [(name: String, spans: [SVGChart.Span])] = timeline.tracks.map { ($0.processName, []) }
            var end = 0.0
            for s in timeline.spans {
                let key = s.category
                if index[key] == nil {
                    index[key] = categories.count
                    categories.append(key)
                }
                rows[s.track].spans.append(
                    .init(
                        start: s.startPs, end: s.startPs + s.durationPs,
                        title: "\(timeline.tracks[s.track].processName): \(s.name), \(Units.formatTime(ps: s.durationPs))",
                        category: index[key]!))
                end = max(end, s.startPs + s.durationPs)
            }
            page.chart(
                "timeline",
                SVGChart.gantt(
                    id: "timeline",
                    caption: "\(rows.count) traced chips' work over the iteration, by kind (chips are named with their pipeline stage)."
                        + (timeline.dropped > 0 ? " (\(timeline.dropped) spans left out.)" : ""),
                    rows: rows, categories: categories, endPs: end), into: &html)
            page.add("timeline", "Timeline", html)
        }
        return page.render()
    }
}
