import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleReport

/// A run's recorded activity (`ActivityOptions`) read back out of its counters: the report's `RunActivity`
/// section and the timeline a trace file draws.
struct ActivityAccount {
    /// Per component: its activity values by series, index order.
    private var values: [(id: ComponentID, series: [ActivitySeries: [Int: UInt64]])] = []
    let model: AcceleratorModel
    let options: ActivityOptions

    init(model: AcceleratorModel, result: SimulationResult, options: ActivityOptions) {
        self.model = model
        self.options = options
        let k = model.catalogue
        for (id, counters) in result.counters {
            var series: [ActivitySeries: [Int: UInt64]] = [:]
            for (key, n) in counters.values {
                guard let (s, i) = k.decodeActivity(key) else { continue }
                series[s, default: [:]][i] = n
            }
            if !series.isEmpty { values.append((id, series)) }
        }
    }

    /// The most bins the report keeps; longer runs merge neighbouring bins.
    static let reportBins = 256

    /// The report's section: series merged to at most `reportBins` bins.
    func report() -> RunActivity {
        let t = model.topology
        let w = t.noc.width, h = t.noc.height
        var bins = 0
        for v in values {
            for s in [ActivitySeries.tileBusyPs, .dramBytes, .linkBytes, .packageBytes] {
                if let m = v.series[s]?.keys.max() { bins = max(bins, m + 1) }
            }
        }
        let factor = max(1, (bins + Self.reportBins - 1) / Self.reportBins)
        let reported = (bins + factor - 1) / factor
        var chips = (0..<t.chips).map { c in
            RunActivity.Chip(
                chip: c, tileBusyPs: Array(repeating: 0, count: reported), dramBytes: Array(repeating: 0, count: reported),
                nocLinkBytes: Array(repeating: 0, count: reported), packageBytes: Array(repeating: 0, count: reported), steps: [],
                routerLinkBytes: Array(repeating: [0, 0, 0, 0], count: w * h))
        }
        func fold(_ into: inout [UInt64], _ m: [Int: UInt64]?) {
            for (b, n) in m ?? [:] { into[b / factor] &+= n }
        }
        for v in values {
            let raw = Int(v.id.raw)
            let c = model.chipOf[raw]
            switch model.kinds[raw] {
            case .peArray, .spinCrossbar, .smartdeal: fold(&chips[c].tileBusyPs, v.series[.tileBusyPs])
            case .dram: fold(&chips[c].dramBytes, v.series[.dramBytes])
            case .router:
                fold(&chips[c].nocLinkBytes, v.series[.linkBytes])
                for (port, n) in v.series[.portBytes] ?? [:] where port >= 1 && port <= 4 {
                    chips[c].routerLinkBytes[model.localIndex[raw]][port - 1] = n
                }
            case .controller:
                fold(&chips[c].packageBytes, v.series[.packageBytes])
                chips[c].steps = steps(chip: c, v.series)
            case .package: break
            }
        }
        let wrap = t.noc.shape != .mesh
        let horizontal = h * (wrap && w > 2 ? w : max(w - 1, 0)), vertical = w * (wrap && h > 2 ? h : max(h - 1, 0))
        return RunActivity(
            binPs: options.binPs * UInt64(factor), bins: reported, tilesPerChip: t.tiles.count, nocWidth: w, nocHeight: h,
            nocLinkGBps: t.noc.linkBandwidthGBps, nocLinks: 2 * (horizontal + vertical),
            dramGBpsPerChip: t.dram.map(\.bandwidthGBps).reduce(0, +), packageLinkGBps: t.package.linkBandwidthGBps,
            packageShape: t.package.shape.rawValue, packageWidth: t.package.width,
            tilePositions: t.tiles.map { [$0.at.x, $0.at.y] }, dramPositions: t.dram.map { [$0.at.x, $0.at.y] }, chips: chips)
    }

    private func steps(chip c: Int, _ series: [ActivitySeries: [Int: UInt64]]) -> [RunActivity.Step] {
        let schedule = model.schedule.chips[c]
        let ends = series[.stepEnd] ?? [:]
        return schedule.indices.compactMap { i in
            guard let end = ends[i] else { return nil }
            let label = model.schedule.labels[schedule[i].label]
            return RunActivity.Step(
                layer: label.layer, phase: label.phase.rawValue, beginPs: series[.stepBegin]?[i] ?? 0, runPs: series[.stepRun]?[i] ?? 0,
                endPs: end)
        }
    }

    /// The timeline of the first `request.chips` chips: a process per chip with a thread for its steps and
    /// one per tile (its jobs), counter tracks per chip (tiles busy, each DRAM channel's and the NoC's and
    /// package port's rates), and arrows for the chip-to-chip transfers of `request.arrowsLayer`.
    func timeline(_ request: TraceRequest) -> Timeline {
        let t = model.topology
        let traced = min(request.chips, t.chips)
        var timeline = request.timeline()
        let labels = model.schedule.labels
        var stepTrack: [Int] = []
        var tileTrack: [[Int]] = []
        for c in 0..<traced {
            let name = "chip \(c)"
            stepTrack.append(timeline.addTrack(.init(process: c, processName: name, thread: 0, threadName: "steps")))
            tileTrack.append(
                t.tiles.indices.map { i in
                    timeline.addTrack(
                        .init(process: c, processName: name, thread: i + 1, threadName: "tile \(i) (\(t.tiles[i].type.name))"))
                })
        }
        // The traced chips' components, by chip, in id order (`values` is in component order).
        var onChip: [[(raw: Int, series: [ActivitySeries: [Int: UInt64]])]] = Array(repeating: [], count: traced)
        for v in values where model.chipOf[Int(v.id.raw)] < traced { onChip[model.chipOf[Int(v.id.raw)]].append((Int(v.id.raw), v.series)) }
        let bin = Double(options.binPs)
        // Steps (with their wait for inputs), then every job of every tile, then counters.
        var stepTimes: [[Int: (begin: UInt64, run: UInt64, end: UInt64)]] = Array(repeating: [:], count: traced)
        for (raw, s) in onChip.joined() where model.kinds[raw] == .controller {
            let c = model.chipOf[raw]
            for i in model.schedule.chips[c].indices {
                guard let end = s[.stepEnd]?[i] else { continue }
                let begin = s[.stepBegin]?[i] ?? 0, run = s[.stepRun]?[i] ?? begin
                stepTimes[c][i] = (begin, run, end)
                let label = labels[model.schedule.chips[c][i].label]
                timeline.record(
                    track: stepTrack[c], name: "\(label.layer) \(label.phase.rawValue)", category: label.phase.rawValue,
                    startPs: Double(begin), durationPs: Double(end - begin))
                if run > begin {
                    // Before its jobs a step receives its inputs and runs its ring collective, if it has one.
                    let step = model.schedule.chips[c][i]
                    let name =
                        step.allReduce.map { "\(label.layer) \($0.kind) ring over \($0.group.count) chips, \(Units.formatBytes($0.bytes))" }
                        ?? "\(label.layer): waiting for inputs"
                    timeline.record(
                        track: stepTrack[c], name: name, category: step.allReduce == nil ? "wait" : "collective", startPs: Double(begin),
                        durationPs: Double(run - begin))
                }
            }
        }
        if options.jobChips > 0 {
            for c in 0..<traced {
                // A tile's jobs are its jobs in step order (as the model resolved them).
                var jobLabels: [[Int]] = Array(repeating: [], count: t.tiles.count)
                for step in model.schedule.chips[c] { for j in step.jobs { jobLabels[j.tile].append(step.label) } }
                for (raw, s) in onChip[c] where model.kinds[raw].isTile {
                    let i = model.localIndex[raw]
                    for (n, label) in jobLabels[i].enumerated() {
                        guard let start = s[.jobStart]?[n], let end = s[.jobEnd]?[n] else { continue }
                        let l = labels[label]
                        timeline.record(
                            track: tileTrack[c][i], name: "\(l.layer) \(l.phase.rawValue)", category: l.phase.rawValue,
                            startPs: Double(start), durationPs: Double(end - start))
                    }
                }
            }
        }
        func counter(_ process: Int, _ name: String, _ series: [Int: UInt64]?, scale: Double) {
            guard let series, let last = series.keys.max() else { return }
            var previous = -1.0
            for b in 0...last + 1 {
                let v = Double(series[b] ?? 0) * scale
                if v != previous { timeline.sample(process: process, name: name, timePs: Double(b) * bin, value: v) }
                previous = v
            }
        }
        let gbps = 1_000 / bin  // bytes per bin to GB/s
        for c in 0..<traced {
            var busy: [Int: UInt64] = [:], link: [Int: UInt64] = [:]
            for (raw, s) in onChip[c] {
                switch model.kinds[raw] {
                case .peArray, .spinCrossbar, .smartdeal: for (b, n) in s[.tileBusyPs] ?? [:] { busy[b, default: 0] += n }
                case .router: for (b, n) in s[.linkBytes] ?? [:] { link[b, default: 0] += n }
                case .dram: counter(c, "DRAM \(model.localIndex[raw]) GB/s", s[.dramBytes], scale: gbps)
                case .controller: counter(c, "package port GB/s", s[.packageBytes], scale: gbps)
                case .package: break
                }
            }
            counter(c, "tiles busy %", busy, scale: 100 / (bin * Double(max(t.tiles.count, 1))))
            counter(c, "NoC links GB/s", link, scale: gbps)
        }
        // The package network as a process of its own: every chip's package port traffic together.
        if t.chips > 1 {
            _ = timeline.addTrack(.init(process: t.chips, processName: "package network", thread: 0, threadName: "links"))
            var sent: [Int: UInt64] = [:]
            for v in values where model.kinds[Int(v.id.raw)] == .controller {
                for (b, n) in v.series[.packageBytes] ?? [:] { sent[b, default: 0] += n }
            }
            counter(t.chips, "package links GB/s (all chips)", sent, scale: gbps)
        }
        // Arrows: each package transfer, from the end of the sender's step to the start of the receiver's
        // jobs; and each ring collective, from every chip's step to its ring successor's.
        var arrows = 0
        for c in 0..<traced {
            for (i, step) in model.schedule.chips[c].enumerated() {
                let label = labels[step.label]
                if let only = request.arrowsLayer, label.layer != only { continue }
                guard let from = stepTimes[c][i] else { continue }
                if let ring = step.allReduce, ring.group.count > 1, let me = ring.group.firstIndex(of: c) {
                    let next = ring.group[(me + 1) % ring.group.count]
                    if next < traced,
                        let j = model.schedule.chips[next].firstIndex(where: { $0.allReduce?.tagBase == ring.tagBase }),
                        let to = stepTimes[next][j]
                    {
                        timeline.arrow(
                            name: "\(label.layer) \(ring.kind) ring, \(Units.formatBytes(ring.bytes))", from: stepTrack[c],
                            at: Double(from.begin),
                            to: stepTrack[next], at: Double(to.run))
                        arrows += 1
                    }
                }
                for send in step.sends where send.peer < traced && send.peer != c {
                    guard let j = model.schedule.chips[send.peer].firstIndex(where: { $0.receives.contains { $0.tag == send.tag } }),
                        let to = stepTimes[send.peer][j]
                    else { continue }
                    timeline.arrow(
                        name: "\(label.layer) \(Units.formatBytes(send.bytes))", from: stepTrack[c], at: Double(from.end),
                        to: stepTrack[send.peer], at: Double(to.run))
                    arrows += 1
                }
            }
        }
        if traced < t.chips { timeline.notes.append("chips \(traced)...\(t.chips - 1) are not traced (--trace-chips \(traced))") }
        if options.jobChips < traced { timeline.notes.append("tile jobs were recorded on the first \(options.jobChips) chips only") }
        timeline.notes.append("buffer occupancy is not modelled (buffers count accesses, not contents)")
        if arrows == 0, let only = request.arrowsLayer {
            timeline.notes.append("layer '\(only)' sends nothing between traced chips, so there are no arrows")
        }
        return timeline
    }
}

extension ComponentKind {
    /// Whether components of this kind are compute tiles.
    var isTile: Bool { self == .peArray || self == .spinCrossbar || self == .smartdeal }
}
