import SpindleCollectives
import SpindleCore
import SpindleWorkload

/// The event loop behind `TrainingSimulation`.
struct TrainingEngine {
    let sim: TrainingSimulation
    let program: TrainingProgram
    let chips: Int
    let perStage: Int
    let net: ClusterNetwork
    var flowNet: FlowNetwork

    // Chip state.
    var pc: [Int]
    var waitingKey: [Int]
    var blockedSince: [Double]
    var arrived: [Set<Int>]
    var finishAt: [Double]
    var done: [Bool]
    var computePs: [Double], recomputePs: [Double], pipelinePs: [Double]
    var communicatorPs: [[Double]]
    var steps = 0

    /// Spans of the traced chips (nil: not tracing), and each chip's track (-1: not traced).
    var timeline: Timeline?
    var trackOf: [Int] = []

    // Groups.
    var groupOf: [[Int]]
    var members: [[[Int]]]
    var isolated: [[Bool]]
    var nextSequence: [[Int]]
    var gathering: [GatherKey: (count: Int, latest: Double)] = [:]
    var reuse: [ReuseKey: Reused] = [:]
    var reuseBySignature: [[Double]: Reused] = [:]
    var algorithms: [CommunicatorKind: any CollectiveAlgorithm] = [:]

    // Traffic.
    var routes: [Int: (links: [Int], latency: Double)] = [:]
    var flowOwner: [FlowOwner] = []
    var messages: [(from: Int, chip: Int, key: Int)] = []
    /// The latest time each `mark` label was reached.
    var marks: [Int: Double] = [:]
    var running: [RunningCollective] = []
    var arrivals: [(collective: Int, step: Int, index: Int)] = []
    /// Slots of `arrivals` and `running` whose transfers and collectives are over, for reuse: a long run
    /// holds only what is in flight.
    var freeArrivals: [Int] = [], freeRunning: [Int] = []
    var events = TrainingEvents()
    var linkBytesByLevel: [Double]
    var linkEnergyPJ = 0.0
    var flows = 0, sharedCollectives = 0, reusedCollectives = 0

    struct GatherKey: Hashable {
        var kind: Int, group: Int, sequence: Int
    }
    struct ReuseKey: Hashable {
        var kind: Int, group: Int, operation: CollectiveOperation, bytes: Double
    }
    struct Reused {
        var picoseconds: Double
        var bytesByLevel: [Double]
        var energyPJ: Double
    }
    enum FlowOwner {
        case message(Int)
        case collective(Int, step: Int, index: Int)
    }

    init(_ sim: TrainingSimulation, program custom: TrainingProgram? = nil, timeline: Timeline? = nil, tracedChips: Int = 0) {
        self.init(sim, program: custom, timeline: timeline, traced: Array(0..<max(tracedChips, 0)))
    }

    /// An engine that records the spans of the chips in `traced` (ids beyond the plan's chips are ignored).
    init(_ sim: TrainingSimulation, program custom: TrainingProgram? = nil, timeline: Timeline? = nil, traced tracedList: [Int]) {
        self.sim = sim
        let plan = sim.plan
        chips = plan.chips
        perStage = plan.tensor * plan.data
        net = sim.network
        let flopsPerPs = sim.cluster.peakTFLOPs * sim.cluster.efficiency  // TFLOP/s = FLOP/ps
        let gradientBytes = 2 * TrainingMemory(sim.model, sequence: sim.sequence, plan: plan).parametersHeld
        program =
            custom
            ?? TrainingProgram(
                sim.model, sequence: sim.sequence, plan: plan, schedule: sim.schedule, flopsPerPs: flopsPerPs, gradientBytes: gradientBytes)
        flowNet = FlowNetwork(capacityBytesPerPs: net.links.map { $0.gbPerSecond * 1e-3 })
        pc = Array(repeating: 0, count: chips)
        waitingKey = Array(repeating: -1, count: chips)
        blockedSince = Array(repeating: 0, count: chips)
        arrived = Array(repeating: [], count: chips)
        finishAt = Array(repeating: 0, count: chips)
        done = Array(repeating: false, count: chips)
        computePs = Array(repeating: 0, count: chips)
        recomputePs = computePs
        pipelinePs = computePs
        communicatorPs = Array(repeating: computePs, count: CommunicatorKind.allCases.count)
        linkBytesByLevel = Array(repeating: 0, count: (net.links.map(\.level).max() ?? 0) + 1)
        // Groups: chip = tensor rank + t x (replica + d x stage).
        let t = plan.tensor, d = plan.data, e = plan.expert
        groupOf = Array(repeating: Array(repeating: 0, count: chips), count: 3)
        members = Array(repeating: [], count: 3)
        for c in 0..<chips {
            let rank = c % t, replica = (c / t) % d, stage = c / (t * d)
            groupOf[CommunicatorKind.tensor.rawValue][c] = c / t
            groupOf[CommunicatorKind.data.rawValue][c] = stage * t + rank
            groupOf[CommunicatorKind.expert.rawValue][c] = (stage * t + rank) * (d / e) + replica / e
        }
        for kind in 0..<3 {
            var lists = [[Int]](repeating: [], count: (groupOf[kind].max() ?? -1) + 1)
            for c in 0..<chips { lists[groupOf[kind][c]].append(c) }
            members[kind] = lists
        }
        if let explicit = program.groups {
            // A replayed trace's groups: chips outside every group of a kind have none (-1).
            for kind in 0..<3 {
                groupOf[kind] = Array(repeating: -1, count: chips)
                members[kind] = kind < explicit.count ? explicit[kind] : []
                for (g, list) in members[kind].enumerated() { for c in list { groupOf[kind][c] = g } }
            }
        }
        nextSequence = Array(repeating: Array(repeating: 0, count: chips), count: 3)
        isolated = members.map { Array(repeating: false, count: $0.count) }
        if var t = timeline {
            let traced = Array(Set(tracedList.filter { $0 >= 0 && $0 < chips })).sorted()
            trackOf = Array(repeating: -1, count: chips)
            for c in traced {
                trackOf[c] = t.addTrack(
                    Timeline.Track(process: c, processName: "chip \(c) (stage \(c / perStage))", thread: 0, threadName: "program"))
            }
            if traced == Array(0..<traced.count), traced.count < chips {
                t.notes.append("chips \(traced.count) to \(chips - 1) are not traced (traced chips: the first \(traced.count))")
            } else if traced.count < chips {
                t.notes.append(
                    "\(chips - traced.count) of \(chips) chips are not traced (traced: " + traced.map(String.init).joined(separator: ", ")
                        + ")")
            }
            self.timeline = t
        }
    }

    /// Records a span of chip `c`, if it is traced.
    mutating func span(_ c: Int, _ name: String, _ category: String, from start: Double, to end: Double) {
        guard end > start else { return }
        timeline!.record(track: trackOf[c], name: name, category: category, startPs: start, durationPs: end - start)
    }

    /// Whether chip `c` is traced; callers ask before building a span's name, which would otherwise cost as
    /// much as the step itself.
    func traced(_ c: Int) -> Bool { !trackOf.isEmpty && trackOf[c] >= 0 }

    static func collectiveName(_ kind: CommunicatorKind, _ operation: CollectiveOperation) -> String {
        "\(operation.rawValue) (\(kind.name))"
    }

    mutating func run() throws(SpindleError) -> TrainingResult {
        try simulate()
        return result()
    }

    /// Runs every chip's program to its end.
    mutating func simulate() throws(SpindleError) {
        for kind in CommunicatorKind.allCases {
            let name = kind == .expert ? "direct" : sim.algorithms[kind] ?? "ring"
            algorithms[kind] = try CollectiveAlgorithms.named(name)
        }
        if sim.reuseIsolatedCollectives { try findIsolatedGroups() }
        for c in 0..<chips { events.push(0, kind: 0, id: c) }
        var now = 0.0
        while true {
            let nextEvent = events.peekTime
            let nextFinish = flowNet.nextFinish()
            guard nextEvent != nil || nextFinish != nil else { break }
            if let t = nextEvent, t <= nextFinish ?? .infinity {
                now = t
                while let next = events.peekTime, next == t {
                    let (kind, id) = events.pop()
                    switch kind {
                    case 0: try advance(id, now)
                    case 1:
                        let m = messages[id]
                        if waitingKey[m.chip] == m.key {
                            waitingKey[m.chip] = -1
                            pipelinePs[m.chip] += now - blockedSince[m.chip]
                            if traced(m.chip) {
                                span(m.chip, "wait for stage \(m.from / perStage)", "pipeline", from: blockedSince[m.chip], to: now)
                            }
                            pc[m.chip] += 1
                            try advance(m.chip, now)
                        } else {
                            arrived[m.chip].insert(m.key)
                        }
                    default:
                        let a = arrivals[id]
                        freeArrivals.append(id)
                        let tr = running[a.collective].schedule.steps[a.step][a.index]
                        if tr.destination != tr.source { try touched(a.collective, a.step, tr.destination, now) }
                    }
                }
                flowNet.settle(at: now)
            } else if let t = nextFinish {
                now = t
                // Owners first: handling one may start flows that reuse the others' handles.
                for owner in flowNet.finish(upTo: t).map({ flowOwner[$0] }) {
                    switch owner {
                    case .message(let m):
                        events.push(now + route(messages[m].from, messages[m].chip).latency, kind: 1, id: m)
                    case .collective(let r, let step, let index):
                        let tr = running[r].schedule.steps[step][index]
                        try touched(r, step, tr.source, now)
                        events.push(now + route(tr.source, tr.destination).latency, kind: 2, id: addArrival((r, step, index)))
                    }
                }
                flowNet.settle(at: now)
            }
        }
        for c in 0..<chips where !done[c] {
            let ops = program.ops(chip: c, perStage: perStage)
            let at = pc[c] < ops.count && waitingKey[c] >= 0 ? pc[c] : pc[c] - 1
            throw SpindleError(
                .invalidValue,
                "the iteration did not finish: chip \(c) stopped at step \(at) of \(ops.count) (\(at >= 0 && at < ops.count ? "\(ops[at].kind)" : "-"))",
                hint: program.chipPrograms == nil
                    ? "This is a bug in the simulation; please report the plan"
                    : "The trace's ranks wait for each other: a receive without its send, or a group's collectives in different orders")
        }
    }

    /// The route from `a` to `b` and its latency.
    mutating func route(_ a: Int, _ b: Int) -> (links: [Int], latency: Double) {
        if let r = routes[a * chips + b] { return r }
        let links = net.route(a, b)
        let r = (links, Double(links.reduce(0) { $0 + net.links[$1].latencyPs }))
        routes[a * chips + b] = r
        return r
    }

    /// Runs chip `c` from its current step until it blocks or ends.
    mutating func advance(_ c: Int, _ now: Double) throws(SpindleError) {
        let ops = program.ops(chip: c, perStage: perStage)
        while pc[c] < ops.count {
            steps += 1
            switch ops[pc[c]].kind {
            case .compute(let ps, let recompute):
                pc[c] += 1
                computePs[c] += ps
                if recompute { recomputePs[c] += ps }
                if traced(c) { span(c, recompute ? "recompute" : "compute", "compute", from: now, to: now + ps) }
                events.push(now + ps, kind: 0, id: c)
                return
            case .send(let stages, let key, let bytes):
                pc[c] += 1
                send(from: c, to: c + perStage * stages, key: key, bytes: bytes, at: now)
            case .sendTo(let to, let key, let bytes):
                pc[c] += 1
                send(from: c, to: to, key: key, bytes: bytes, at: now)
            case .mark(let label):
                pc[c] += 1
                marks[label] = max(marks[label] ?? 0, now)
            case .receive(_, let key), .receiveFrom(_, let key):
                if arrived[c].remove(key) != nil {
                    pc[c] += 1
                } else {
                    waitingKey[c] = key
                    blockedSince[c] = now
                    return
                }
            case .collective(let kind, let operation, let bytes):
                pc[c] += 1
                blockedSince[c] = now
                let group = groupOf[kind.rawValue][c]
                guard group >= 0 else {
                    throw SpindleError(
                        .invalidValue,
                        "chip \(c) runs a \(operation.rawValue) over its \(kind.name) group, but it is in no \(kind.name) group")
                }
                let size = members[kind.rawValue][group].count
                if size == 1 {
                    continue
                }
                let key = GatherKey(kind: kind.rawValue, group: group, sequence: nextSequence[kind.rawValue][c])
                nextSequence[kind.rawValue][c] += 1
                var g = gathering[key] ?? (0, now)
                g.count += 1
                g.latest = max(g.latest, now)
                if g.count < size {
                    gathering[key] = g
                    return
                }
                gathering[key] = nil
                try startCollective(kind, group: group, operation: operation, bytes: bytes, at: now)
                return
            }
        }
        finishAt[c] = now
        done[c] = true
    }

    /// Starts a message from chip `from` to chip `to`: a flow over its route, or an arrival after the route's
    /// latency when it crosses no link or carries nothing.
    mutating func send(from: Int, to: Int, key: Int, bytes: Double, at now: Double) {
        messages.append((from, to, key))
        let r = route(from, to)
        addTraffic(r.links, bytes)
        if r.links.isEmpty || bytes <= 0 {
            events.push(now + r.latency, kind: 1, id: messages.count - 1)
        } else {
            setOwner(flowNet.add(links: r.links, bytes: bytes, at: now), .message(messages.count - 1))
        }
    }

    mutating func setOwner(_ id: Int, _ owner: FlowOwner) {
        flows += 1
        if id == flowOwner.count { flowOwner.append(owner) } else { flowOwner[id] = owner }
    }

    mutating func addTraffic(_ links: [Int], _ bytes: Double) {
        for l in links {
            linkBytesByLevel[net.links[l].level] += bytes
            linkEnergyPJ += bytes * 8 * net.links[l].picojoulesPerBit
        }
    }

    /// Every member has reached the collective: runs it, or reuses its time when its group is isolated.
    mutating func startCollective(
        _ kind: CommunicatorKind, group: Int, operation: CollectiveOperation, bytes: Double, at now: Double
    ) throws(SpindleError) {
        let group_ = members[kind.rawValue][group]
        let algorithm = algorithms[kind]!
        if isolated[kind.rawValue][group] {
            let key = ReuseKey(kind: kind.rawValue, group: group, operation: operation, bytes: bytes)
            let reused: Reused
            if let r = reuse[key] {
                reused = r
            } else {
                let schedule = try algorithm.schedule(operation, bytes: bytes, group: group_)
                let signature = signatureOf(schedule, operation: operation, bytes: bytes)
                if let r = reuseBySignature[signature] {
                    reused = r
                } else {
                    let result = try FlowSimulation(network: net).run(
                        schedule, operation: operation, algorithm: algorithm.name, bytes: bytes)
                    var byLevel = [Double](repeating: 0, count: linkBytesByLevel.count)
                    for (l, b) in result.linkBytes.enumerated() where b > 0 { byLevel[net.links[l].level] += b }
                    reused = Reused(picoseconds: result.timePs, bytesByLevel: byLevel, energyPJ: result.energyPJ)
                    reuseBySignature[signature] = reused
                }
                reuse[key] = reused
            }
            reusedCollectives += 1
            for (i, b) in reused.bytesByLevel.enumerated() { linkBytesByLevel[i] += b }
            linkEnergyPJ += reused.energyPJ
            for c in group_ {
                communicatorPs[kind.rawValue][c] += now + reused.picoseconds - blockedSince[c]
                if traced(c) {
                    span(c, Self.collectiveName(kind, operation), "collective", from: blockedSince[c], to: now + reused.picoseconds)
                }
                events.push(now + reused.picoseconds, kind: 0, id: c)
            }
            return
        }
        sharedCollectives += 1
        let schedule = try algorithm.schedule(operation, bytes: bytes, group: group_)
        let started = RunningCollective(kind: kind, operation: operation, members: group_, schedule: schedule)
        let r: Int
        if let free = freeRunning.popLast() {
            r = free
            running[r] = started
        } else {
            running.append(started)
            r = running.count - 1
        }
        for e in group_ { try markReady(r, 0, e, now) }
    }

    /// The collective's shape: for each transfer, its ends (as positions in the group) and its route (links
    /// renumbered by first use, with their bandwidth and latency), and the sizes.
    func signatureOf(_ schedule: CollectiveSchedule, operation: CollectiveOperation, bytes: Double) -> [Double] {
        var position: [Int: Int] = [:]
        var renumber: [Int: Int] = [:]
        var s: [Double] = [Double(CollectiveOperation.allCases.firstIndex(of: operation)!), bytes]
        for (k, step) in schedule.steps.enumerated() {
            s.append(-Double(k + 1))
            for t in step {
                for e in [t.source, t.destination] where position[e] == nil { position[e] = position.count }
                s += [Double(position[t.source]!), Double(position[t.destination]!), t.bytes]
                for l in net.route(t.source, t.destination) {
                    if renumber[l] == nil { renumber[l] = renumber.count }
                    s += [Double(renumber[l]!), net.links[l].gbPerSecond, Double(net.links[l].latencyPs)]
                }
                s.append(-1)
            }
        }
        return s
    }

    /// Marks groups whose collectives' links no other traffic crosses.
    mutating func findIsolatedGroups() throws(SpindleError) {
        // A replayed trace's groups are not the plan's: they are timed on the shared network.
        guard program.chipPrograms == nil else { return }
        // Owner of each link: -1 unused, a group's number, or -2 for several.
        var owner = [Int](repeating: -1, count: net.links.count)
        func claim(_ l: Int, _ who: Int) { owner[l] = owner[l] == -1 || owner[l] == who ? who : -2 }
        let plan = sim.plan
        // Transfers between stages: every stage's distinct send distances.
        for (stage, ops) in program.stages.enumerated() {
            var distances = Set<Int>()
            for op in ops { if case .send(let d, _, _) = op.kind { distances.insert(d) } }
            for d in distances.sorted() {
                for c in (stage * perStage)..<((stage + 1) * perStage) {
                    for l in net.route(c, c + d * perStage) { claim(l, -2) }
                }
            }
        }
        var groupLinks: [[[Int]]] = members.map { Array(repeating: [], count: $0.count) }
        let used: [(CommunicatorKind, [CollectiveOperation])] = [
            (.tensor, plan.tensor > 1 ? [.allReduce, .reduceScatter, .allGather] : []),
            (.data, plan.data > 1 ? (plan.zero >= 1 ? [.reduceScatter, .allGather] : [.allReduce]) : []),
            (.expert, plan.expert > 1 && sim.model.experts > 1 ? [.allToAll] : []),
        ]
        var base = 0
        for (kind, operations) in used {
            defer { base += members[kind.rawValue].count }
            guard !operations.isEmpty else { continue }
            let algorithm = try CollectiveAlgorithms.named(kind == .expert ? "direct" : sim.algorithms[kind] ?? "ring")
            for (g, group) in members[kind.rawValue].enumerated() where group.count > 1 {
                var pairs = Set<Int>()
                for op in operations {
                    for step in try algorithm.schedule(op, bytes: 1, group: group).steps {
                        for t in step { pairs.insert(t.source * chips + t.destination) }
                    }
                }
                var links = Set<Int>()
                for p in pairs { links.formUnion(net.route(p / chips, p % chips)) }
                groupLinks[kind.rawValue][g] = links.sorted()
                for l in links { claim(l, base + g) }
            }
        }
        base = 0
        for kind in CommunicatorKind.allCases {
            for g in members[kind.rawValue].indices where !groupLinks[kind.rawValue][g].isEmpty {
                isolated[kind.rawValue][g] = groupLinks[kind.rawValue][g].allSatisfy { owner[$0] == base + g }
            }
            base += members[kind.rawValue].count
        }
    }

    // MARK: collectives on the shared network (FlowSimulation's step rule, one chunk)

    mutating func markReady(_ r: Int, _ k: Int, _ e: Int, _ time: Double) throws(SpindleError) {
        var queue = [(k, e, time)]
        while let (k, e, time) = queue.popLast() {
            guard let i = running[r].slot(k, e), running[r].ready[i] == nil else { continue }
            running[r].ready[i] = time
            if k == running[r].schedule.steps.count {
                // This member is done.
                let kind = running[r].kind.rawValue
                communicatorPs[kind][e] += time - blockedSince[e]
                if traced(e) {
                    span(e, Self.collectiveName(running[r].kind, running[r].operation), "collective", from: blockedSince[e], to: time)
                }
                events.push(time, kind: 0, id: e)
                running[r].membersDone += 1
                if running[r].membersDone == running[r].count {
                    // Every transfer has arrived and every member left: nothing refers to it any more.
                    running[r].release()
                    freeRunning.append(r)
                }
                continue
            }
            for index in running[r].bySource[i] {
                let tr = running[r].schedule.steps[k][index]
                let path = route(tr.source, tr.destination)
                addTraffic(path.links, tr.bytes)
                if path.links.isEmpty || tr.bytes <= 0 {
                    running[r].finished[i] += 1
                    running[r].latest[i] = max(running[r].latest[i], time)
                    events.push(time + path.latency, kind: 2, id: addArrival((r, k, index)))
                } else {
                    setOwner(flowNet.add(links: path.links, bytes: tr.bytes, at: time), .collective(r, step: k, index: index))
                }
            }
            if running[r].finished[i] == running[r].touching[i] { queue.append((k + 1, e, max(time, running[r].latest[i]))) }
        }
    }

    /// Records a transfer's arrival-to-come in a free slot; returns the slot.
    mutating func addArrival(_ a: (collective: Int, step: Int, index: Int)) -> Int {
        if let free = freeArrivals.popLast() {
            arrivals[free] = a
            return free
        }
        arrivals.append(a)
        return arrivals.count - 1
    }

    mutating func touched(_ r: Int, _ k: Int, _ e: Int, _ time: Double) throws(SpindleError) {
        guard let i = running[r].slot(k, e) else { return }
        running[r].finished[i] += 1
        running[r].latest[i] = max(running[r].latest[i], time)
        if running[r].finished[i] == running[r].touching[i], let ready = running[r].ready[i] {
            try markReady(r, k + 1, e, max(ready, running[r].latest[i]))
        }
    }

    // MARK: result

    func result() -> TrainingResult {
        let iteration = finishAt.max() ?? 0
        let plan = sim.plan
        let memory = sim.memoryPerStage()
        var stages: [TrainingResult.Stage] = []
        for s in 0..<plan.pipeline {
            let range = (s * perStage)..<((s + 1) * perStage)
            let n = Double(perStage)
            func mean(_ a: [Double]) -> Double { range.reduce(0) { $0 + a[$1] } / n * 1e-12 }
            stages.append(
                TrainingResult.Stage(
                    layers: program.layers[s], computeSeconds: mean(computePs), recomputeSeconds: mean(recomputePs),
                    tensorSeconds: mean(communicatorPs[0]), dataSeconds: mean(communicatorPs[1]), expertSeconds: mean(communicatorPs[2]),
                    pipelineWaitSeconds: mean(pipelinePs), tailSeconds: range.reduce(0) { $0 + iteration - finishAt[$1] } / n * 1e-12,
                    peakInFlight: memory[s].inFlight, memoryBytes: memory[s].bytes))
        }
        let seconds = iteration * 1e-12
        let tokens = Double(plan.globalBatch * sim.sequence)
        let modelFLOPs = sim.model.trainingFLOPsPerToken(sequence: sim.sequence) * tokens
        let hardware = (0..<plan.pipeline).reduce(0.0) { $0 + program.hardwareFLOPs[$1] * Double(perStage) }
        let peak = sim.cluster.peakTFLOPs * 1e12 * Double(chips)
        return TrainingResult(
            model: sim.model.name, plan: plan, schedule: sim.schedule, network: net.name, chips: chips, iterationSeconds: seconds,
            stages: stages, tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
            modelFLOPsUtilisation: seconds > 0 ? modelFLOPs / (seconds * peak) : 0,
            hardwareTFLOPsPerChip: seconds > 0 ? hardware / seconds / Double(chips) * 1e-12 : 0, linkBytesByLevel: linkBytesByLevel,
            linkEnergyPJ: linkEnergyPJ, flows: flows, sharedCollectives: sharedCollectives, reusedCollectives: reusedCollectives,
            steps: steps, peakMemoryBytes: memory.map(\.bytes).max() ?? 0, memoryCapacityBytes: sim.cluster.memoryBytes)
    }
}

/// A collective in flight on the shared network: per (step, member) the transfers touching the member,
/// those done, the latest done, and when the member was ready for the step.
struct RunningCollective {
    var kind: CommunicatorKind
    var operation: CollectiveOperation
    var schedule: CollectiveSchedule
    var position: [Int: Int] = [:]
    var touching: [Int], finished: [Int], latest: [Double], ready: [Double?]
    /// Transfers of each (step, member) it sends.
    var bySource: [[Int]]
    let count: Int
    /// Members that have left it.
    var membersDone = 0

    /// Drops its tables once it is over (its slot is then reused).
    mutating func release() {
        position = [:]
        touching = []
        finished = []
        latest = []
        ready = []
        bySource = []
        schedule = CollectiveSchedule(steps: [])
    }

    init(kind: CommunicatorKind, operation: CollectiveOperation, members: [Int], schedule: CollectiveSchedule) {
        self.kind = kind
        self.operation = operation
        self.schedule = schedule
        count = members.count
        for (i, m) in members.enumerated() { position[m] = i }
        let K = schedule.steps.count
        touching = Array(repeating: 0, count: (K + 1) * count)
        finished = touching
        latest = Array(repeating: 0, count: touching.count)
        ready = Array(repeating: nil, count: touching.count)
        bySource = Array(repeating: [], count: touching.count)
        for k in 0..<K {
            for (index, t) in schedule.steps[k].enumerated() {
                let s = k * count + position[t.source]!
                touching[s] += 1
                bySource[s].append(index)
                if t.destination != t.source { touching[k * count + position[t.destination]!] += 1 }
            }
        }
    }

    func slot(_ k: Int, _ e: Int) -> Int? { position[e].map { k * count + $0 } }
}

/// Pending chip resumptions (kind 0), message arrivals (1) and collective transfer arrivals (2), by
/// (time, kind, id, sequence); transfer arrivals by (time, kind, sequence), since their ids are reused slots
/// (the order is the one a growing id gave: ids were handed out in push order).
struct TrainingEvents {
    struct Entry: Comparable, Sendable {
        var time: Double, kind: Int, id: Int, sequence: Int
        static func < (a: Entry, b: Entry) -> Bool {
            (a.time, a.kind, a.kind == 2 ? 0 : a.id, a.sequence) < (b.time, b.kind, b.kind == 2 ? 0 : b.id, b.sequence)
        }
    }
    private var heap = BinaryHeap<Entry>()
    private var sequence = 0

    var peekTime: Double? { heap.first?.time }

    mutating func push(_ time: Double, kind: Int, id: Int) {
        heap.push(Entry(time: time, kind: kind, id: id, sequence: sequence))
        sequence += 1
    }

    mutating func pop() -> (kind: Int, id: Int) {
        let top = heap.pop()!
        return (top.kind, top.id)
    }
}
