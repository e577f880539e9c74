import Foundation
import SpindleCore

extension RunReport {
    /// The most chips the per-chip charts draw (the heat map and timeline); the rest are summarised.
    public static let htmlMaxChips = 64

    /// The report as one self-contained HTML page: the summary, energy by component kind, level, phase,
    /// layer and chip, the chips' timeline and utilisation over time, DRAM and network rates over time,
    /// the NoC and package drawn with their links' use, predicted against simulated time per layer, and
    /// the technology table with sources. The time charts need `activity` (a run with `--html`,
    /// `--trace` or `--activity`); without it the page says so.
    public func html() throws(SpindleError) -> String {
        try activity?.check()
        var page = HTMLPage(
            title: "Spindle report: \(scenario)",
            subtitle: "\(model) \(mode), batch \(batch), on \(topology): \(chips) chip(s) of \(tiles) tiles. Plan: \(plan)")
        // The embedded data: compact, and with the activity of the chips the charts draw.
        var embedded = self
        if var a = embedded.activity, a.chips.count > Self.htmlMaxChips {
            a.chips = Array(a.chips.prefix(Self.htmlMaxChips))
            embedded.activity = a
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { page.data = try encoder.encode(embedded) } catch { throw SpindleError(.io, "cannot encode the report: \(error)") }
        summarySection(&page)
        energySection(&page)
        timeSection(&page)
        topologySection(&page)
        layerSection(&page)
        technologySection(&page)
        return page.render()
    }

    private func summarySection(_ page: inout HTMLPage) {
        var cards: [(String, String)] = [
            (Units.formatTime(latencyPs), "latency (analytic estimate \(Units.formatTime(predictedLatencyPs)))"),
            (Units.formatEnergy(energyPJ.total), "energy (analytic estimate \(Units.formatEnergy(predictedEnergyPJ)))"),
            (Units.format(throughput, 1), "samples per second"),
            (Units.format(tileUtilisation * 100, 1) + " %", "tile utilisation"),
            (Units.formatBytes(dataBytes.dramRead + dataBytes.dramWrite), "DRAM traffic"),
            (String(events), "events simulated"),
        ]
        if let e = efficiency {
            cards.append((Units.format(e.gopsPerWatt, 1), "GOPS/W (2 ops per MAC)"))
            cards.append((Units.format(e.pjPerMAC, 3) + " pJ", "energy per MAC"))
        }
        if let life = crossbarLifetimeIterations { cards.append((Units.format(life, 0), "iterations until crossbar wear-out")) }
        var html = HTMLPage.cards(cards)
        html += HTMLPage.warnings(warnings)
        page.add("summary", "Summary", html)
    }

    private func energySection(_ page: inout HTMLPage) {
        var html = ""
        func single(_ id: String, _ caption: String, _ parts: [(String, Double)], order: [String]? = nil) {
            let sorted =
                order.map { o in o.compactMap { name in parts.first { $0.0 == name && $0.1 > 0 } } }
                ?? parts.filter { $0.1 > 0 }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            guard !sorted.isEmpty else { return }
            page.chart(
                id,
                SVGChart.stackedBars(
                    id: id, caption: caption, rows: ["total"], series: sorted.map { ($0.0, [$0.1]) }, format: Units.formatEnergy,
                    colours: order.map { o in sorted.map { part in o.firstIndex(of: part.0) ?? 0 } }),
                into: &html)
        }
        single(
            "energy-component", "Energy by component kind (hover a segment for its share).", energyPJ.byComponent.map { ($0.key, $0.value) }
        )
        if let levels = energyPJ.byLevel {
            single(
                "energy-level",
                "Energy by level of the machine: DRAM, on-chip network, package, buffers, arithmetic, crossbars, converters.",
                levels.map { ($0.key, $0.value) })
        }
        // Phases in their fixed order, so that each has the same colour here and in the layer chart.
        single(
            "energy-phase", "Energy by phase (control: the package coordinator's start and finish messages).",
            energyPJ.byPhase.map { ($0.key, $0.value) }, order: Phase.allCases.map(\.rawValue))
        let rows = layers.filter { $0.energyPJ > 0 }
        if !rows.isEmpty {
            let phases = Phase.allCases.map(\.rawValue).filter { p in rows.contains { ($0.energyByPhasePJ?[p] ?? 0) > 0 } }
            let series: [(name: String, values: [Double])] =
                phases.isEmpty
                ? [("energy", rows.map(\.energyPJ))]
                : phases.map { p in (p, rows.map { $0.energyByPhasePJ?[p] ?? 0 }) }
            page.chart(
                "energy-layer",
                SVGChart.stackedBars(
                    id: "energy-layer", caption: "Energy by layer" + (phases.count > 1 ? ", split by phase." : "."),
                    rows: rows.map(\.name), series: series, format: Units.formatEnergy,
                    colours: phases.isEmpty ? nil : phases.map { p in Phase.allCases.firstIndex { $0.rawValue == p } ?? 0 }), into: &html)
        }
        if energyPJ.byChip.count > 1 {
            let shown = energyPJ.byChip.prefix(Self.htmlMaxChips)
            page.chart(
                "energy-chip",
                SVGChart.stackedBars(
                    id: "energy-chip",
                    caption: "Energy by chip"
                        + (energyPJ.byChip.count > shown.count ? " (the first \(shown.count) of \(energyPJ.byChip.count))." : "."),
                    rows: shown.indices.map { "chip \($0)" }, series: [("energy", Array(shown))], format: Units.formatEnergy), into: &html)
        }
        page.add("energy", "Energy", html)
    }

    private func timeSection(_ page: inout HTMLPage) {
        guard let a = activity else {
            page.add(
                "time", "Time",
                "<p class=\"note\">This result has no timeline: run the scenario with <code>--html</code>, <code>--trace</code> or <code>--activity</code> to record one.</p>"
            )
            return
        }
        var html = ""
        let shown = Array(a.chips.prefix(Self.htmlMaxChips))
        let more = a.chips.count > shown.count ? " (the first \(shown.count) of \(a.chips.count) chips)" : ""
        if !more.isEmpty {
            html +=
                "<p class=\"note\">The per-chip charts and the page's embedded data hold the first \(shown.count) of \(a.chips.count) chips; the JSON result (--out) has every chip.</p>"
        }
        // Gantt: each chip's steps, coloured by layer, with the wait for inputs faint.
        var layerIndex: [String: Int] = [:]
        for l in layers { if layerIndex[l.name] == nil { layerIndex[l.name] = layerIndex.count } }
        for c in shown { for s in c.steps where layerIndex[s.layer] == nil { layerIndex[s.layer] = layerIndex.count } }
        let layerNames = layerIndex.sorted { $0.value < $1.value }.map(\.key)
        let rows = shown.map { c -> (name: String, spans: [SVGChart.Span]) in
            var spans: [SVGChart.Span] = []
            for s in c.steps {
                if s.runPs > s.beginPs {
                    spans.append(
                        .init(
                            start: Double(s.beginPs), end: Double(s.runPs),
                            title: "chip \(c.chip): \(s.layer) \(s.phase) waiting for inputs, \(Units.formatTime(s.runPs - s.beginPs))",
                            category: 0, faint: true))
                }
                spans.append(
                    .init(
                        start: Double(s.runPs), end: Double(s.endPs),
                        title:
                            "chip \(c.chip): \(s.layer) \(s.phase), \(Units.formatTime(s.runPs)) to \(Units.formatTime(s.endPs)) (\(Units.formatTime(s.endPs - s.runPs)))",
                        category: layerIndex[s.layer] ?? 0))
            }
            return ("chip \(c.chip)", spans)
        }
        page.chart(
            "timeline",
            SVGChart.gantt(
                id: "timeline",
                caption: "Each chip's steps over time\(more), coloured by layer; grey: waiting for inputs (receives and collectives).",
                rows: rows, categories: layerNames, endPs: Double(latencyPs)), into: &html)
        let bin = Double(a.binPs)
        func binTitle(_ b: Int) -> String {
            Units.formatTime(ps: Double(b) * bin) + " to " + Units.formatTime(ps: Double(b + 1) * bin)
        }
        page.chart(
            "utilisation",
            SVGChart.heatMap(
                id: "utilisation",
                caption: "Share of each chip's tiles computing, per \(Units.formatTime(a.binPs)) of simulated time\(more).",
                rows: shown.map { "chip \($0.chip)" }, values: shown.map { c in (0..<a.bins).map { a.tileUtilisation(c, $0) } },
                columnTitle: binTitle, format: { Units.format($0 * 100, 1) + " %" }), into: &html)
        let x = (0..<a.bins).map { Double($0) * bin }
        func timeAxis(_ v: Double) -> String { Units.formatTime(ps: v) }
        func gbps(_ v: Double) -> String { Units.format(v, 1) + " GB/s" }
        let lineChips = Array(a.chips.prefix(8))
        var dram: [(name: String, values: [Double])] = lineChips.map { c in
            ("chip \(c.chip)", (0..<a.bins).map { a.gbPerSecond(c.dramBytes, $0) })
        }
        if a.chips.count > 1 {
            dram.insert(
                (
                    "mean over \(a.chips.count) chips",
                    (0..<a.bins).map { b in a.chips.reduce(0) { $0 + a.gbPerSecond($1.dramBytes, b) } / Double(a.chips.count) }
                ),
                at: 0)
        }
        page.chart(
            "dram-bandwidth",
            SVGChart.lines(
                id: "dram-bandwidth",
                caption:
                    "DRAM bandwidth used over time (reads and writes; each chip's channels together peak at \(gbps(a.dramGBpsPerChip))).",
                x: x, series: dram, xFormat: timeAxis, yFormat: gbps, steps: true), into: &html)
        let noc = (0..<a.bins).map { b in
            a.chips.reduce(0) { $0 + a.gbPerSecond($1.nocLinkBytes, b) } / Double(a.chips.count)
                / max(a.nocLinkGBps * Double(a.nocLinks), 1e-300) * 100
        }
        var network: [(name: String, values: [Double])] = [("NoC links busy (mean over chips)", noc)]
        if a.chips.count > 1 {
            let pkg = (0..<a.bins).map { b in
                a.chips.reduce(0) { $0 + a.gbPerSecond($1.packageBytes, b) } / Double(a.chips.count) / max(a.packageLinkGBps, 1e-300) * 100
            }
            network.append(("package ports busy (mean over chips)", pkg))
        }
        page.chart(
            "network-use",
            SVGChart.lines(
                id: "network-use", caption: "Network use over time, as a share of the links' bandwidth.", x: x, series: network,
                xFormat: timeAxis, yFormat: { Units.format($0, 1) + " %" }, steps: true), into: &html)
        page.add("time", "Time", html)
    }

    private func topologySection(_ page: inout HTMLPage) {
        guard let a = activity else { return }
        var html = ""
        // The chip whose NoC links carried the most.
        func carried(_ c: RunActivity.Chip) -> Double { c.routerLinkBytes.joined().reduce(0.0) { $0 + Double($1) } }
        guard let busiest = a.chips.max(by: { carried($0) < carried($1) }) else { return }
        page.chart("noc-map", nocMap(a, busiest), into: &html)
        if a.chips.count > 1 { page.chart("package-map", packageMap(a), into: &html) }
        page.add("topology", "Topology", html)
    }

    private func nocMap(_ a: RunActivity, _ chip: RunActivity.Chip) -> String {
        let w = a.nocWidth, h = a.nocHeight
        let cell = min(80.0, 560.0 / Double(max(w, h, 1)))
        let margin = 30.0
        let width = max(800.0, Double(w) * cell + 2 * margin), height = Double(h) * cell + 2 * margin
        let seconds = Double(max(latencyPs, 1)) * 1e-12
        func centre(_ x: Int, _ y: Int) -> (Double, Double) { (margin + (Double(x) + 0.5) * cell, margin + (Double(y) + 0.5) * cell) }
        var body = ""
        let dirs = [(1, 0), (-1, 0), (0, 1), (0, -1)]
        for y in 0..<h {
            for x in 0..<w {
                let bytes = chip.routerLinkBytes[y * w + x]
                for (d, (dx, dy)) in dirs.enumerated() where bytes[d] > 0 {
                    let nx = (x + dx + w) % w, ny = (y + dy + h) % h
                    let wraps = abs(nx - x) > 1 || abs(ny - y) > 1
                    let use = Double(bytes[d]) / seconds / (a.nocLinkGBps * 1e9)
                    let (x0, y0) = centre(x, y)
                    var (x1, y1) = centre(nx, ny)
                    if wraps { (x1, y1) = (x0 + Double(dx) * cell * 0.45, y0 + Double(dy) * cell * 0.45) }
                    // Each direction is drawn on its own side of the link.
                    let off = 4.0 * (d % 2 == 0 ? 1 : -1)
                    let ox = dy != 0 ? off : 0, oy = dx != 0 ? off : 0
                    body +=
                        "<line class=\"link\" x1=\"\(SVGChart.n(x0 + ox))\" y1=\"\(SVGChart.n(y0 + oy))\" x2=\"\(SVGChart.n(x1 + ox))\" y2=\"\(SVGChart.n(y1 + oy))\" stroke=\"\(SVGChart.heat(0.15 + 0.85 * min(use, 1)))\" stroke-width=\"\(SVGChart.n(1.5 + 5 * min(use, 1)))\"><title>\(SVGChart.escape("router (\(x),\(y)) towards (\(nx),\(ny)): \(Units.formatBytes(bytes[d])), \(Units.format(use * 100, 2)) % of the link's bandwidth over the run"))</title></line>"
                }
            }
        }
        let tiles = Set(a.tilePositions.map { $0[0] * 100_000 + $0[1] }), drams = Set(a.dramPositions.map { $0[0] * 100_000 + $0[1] })
        for y in 0..<h {
            for x in 0..<w {
                let (cx, cy) = centre(x, y)
                let isDram = drams.contains(x * 100_000 + y), isTile = tiles.contains(x * 100_000 + y)
                let fill = isDram ? SVGChart.colour(1) : isTile ? SVGChart.colour(0) : "#cfd4dc"
                let what = [isTile ? "tile" : nil, isDram ? "DRAM channel" : nil].compactMap { $0 }.joined(separator: " + ")
                body +=
                    "<rect x=\"\(SVGChart.n(cx - cell * 0.18))\" y=\"\(SVGChart.n(cy - cell * 0.18))\" width=\"\(SVGChart.n(cell * 0.36))\" height=\"\(SVGChart.n(cell * 0.36))\" rx=\"3\" fill=\"\(fill)\"><title>\(SVGChart.escape("router (\(x),\(y))" + (what.isEmpty ? "" : ": " + what)))</title></rect>"
            }
        }
        return SVGChart.figure(
            "noc-map",
            "Chip \(chip.chip)'s NoC (the chip whose links carried the most): routers with their tiles and DRAM channels; each link direction shaded and thickened by its use over the run.",
            width: width, height: height, body: body, legend: ["tile", "DRAM channel"])
    }

    private func packageMap(_ a: RunActivity) -> String {
        let n = a.chips.count
        let width = 800.0, height = 360.0
        var pos: [(Double, Double)] = []
        let grid = a.packageShape == "mesh" || a.packageShape == "torus"
        let cols = grid ? max(a.packageWidth, 1) : 0
        for c in 0..<n {
            if grid {
                let rows = (n + cols - 1) / cols
                pos.append(
                    (
                        60 + Double(c % cols) / Double(max(cols - 1, 1)) * (width - 120),
                        40 + Double(c / cols) / Double(max(rows - 1, 1)) * (height - 80)
                    ))
            } else {
                let angle = Double(c) / Double(n) * 2 * Double.pi - Double.pi / 2
                pos.append((width / 2 + cos(angle) * (height / 2 - 40), height / 2 + sin(angle) * (height / 2 - 40)))
            }
        }
        var body = ""
        var pairs: [(Int, Int)] = []
        switch a.packageShape {
        case "ring": pairs = (0..<n).map { ($0, ($0 + 1) % n) }
        case "mesh", "torus":
            for c in 0..<n {
                if (c + 1) % cols != 0 && c + 1 < n { pairs.append((c, c + 1)) }
                if c + cols < n { pairs.append((c, c + cols)) }
            }
        default: if n <= 16 { for i in 0..<n { for j in (i + 1)..<n { pairs.append((i, j)) } } }
        }
        for (i, j) in pairs where i != j {
            body +=
                "<line x1=\"\(SVGChart.n(pos[i].0))\" y1=\"\(SVGChart.n(pos[i].1))\" x2=\"\(SVGChart.n(pos[j].0))\" y2=\"\(SVGChart.n(pos[j].1))\" class=\"grid\" stroke-width=\"2\"/>"
        }
        let seconds = Double(max(latencyPs, 1)) * 1e-12
        let r = max(5.0, min(22.0, 900.0 / Double(n)))
        for (c, chip) in a.chips.enumerated() {
            let busy = chip.tileBusyPs.reduce(0.0) { $0 + Double($1) }
            let use = Double(busy) / (Double(max(latencyPs, 1)) * Double(max(a.tilesPerChip, 1)))
            let sent = chip.packageBytes.reduce(0.0) { $0 + Double($1) }
            let port = Double(sent) / seconds / (a.packageLinkGBps * 1e9)
            body +=
                "<circle cx=\"\(SVGChart.n(pos[c].0))\" cy=\"\(SVGChart.n(pos[c].1))\" r=\"\(SVGChart.n(r))\" fill=\"\(SVGChart.heat(0.1 + 0.9 * min(use, 1)))\" stroke=\"#445\" stroke-width=\"\(SVGChart.n(1 + 4 * min(port, 1)))\"><title>\(SVGChart.escape("chip \(c): tiles \(Units.format(use * 100, 1)) % busy; sent \(Units.formatBytes(count: sent)) through its package port (\(Units.format(port * 100, 2)) % of its bandwidth)"))</title></circle>"
            if r >= 10 { body += SVGChart.text(pos[c].0, pos[c].1 + 4, "\(c)", anchor: "middle", cls: "tick") }
        }
        return SVGChart.figure(
            "package-map",
            "The package (\(a.packageShape)): each chip shaded by its tiles' utilisation, its outline thickened by its package port's use.",
            width: width, height: height, body: body)
    }

    private func layerSection(_ page: inout HTMLPage) {
        var html = ""
        let compute = layers.filter { $0.predictedPs > 0 || $0.busyPs > 0 }
        if !compute.isEmpty {
            page.chart(
                "predicted-simulated",
                SVGChart.groupedBars(
                    id: "predicted-simulated",
                    caption: "Time per layer: the mapper's analytic estimate against the simulation (busiest chip running the layer).",
                    rows: compute.map(\.name),
                    series: [
                        ("simulated", compute.map { Double($0.busyPs) }), ("analytic estimate", compute.map { Double($0.predictedPs) }),
                    ],
                    format: { Units.formatTime(ps: $0) }), into: &html)
        }
        html += HTMLPage.table(
            ["layer", "#stage", "#tiles", "#crossbars", "#MACs", "#busy", "#predicted", "#energy"],
            layers.map {
                [
                    $0.name, String($0.stage), String($0.tiles), $0.crossbars > 0 ? String($0.crossbars) : "-", String($0.macs),
                    Units.formatTime($0.busyPs), Units.formatTime($0.predictedPs), Units.formatEnergy($0.energyPJ),
                ]
            })
        page.add("layers", "Layers", html)
    }

    private func technologySection(_ page: inout HTMLPage) {
        var html = ""
        if let basis = technologyBasis { html += "<p class=\"note\">CMOS figures are scaled to \(SVGChart.escape(basis)).</p>" }
        html += HTMLPage.table(
            ["action", "#energy (pJ)", "per", "#node (nm)", "source"],
            technology.map { [$0.action, Units.format($0.energyPJ, 4), $0.per, $0.nodeNm.map(String.init) ?? "-", $0.source] })
        if let area {
            html += "<h3>Area of one chip</h3>"
            html += HTMLPage.table(
                ["component", "area", "#count", "#mm²", "source"],
                area.items.map { [$0.component, $0.area, Units.format($0.count, 0), Units.format($0.mm2, 4), $0.source] })
        }
        page.add("technology", "Technology", html)
    }
}
