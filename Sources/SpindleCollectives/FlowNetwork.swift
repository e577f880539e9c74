import SpindleCore

/// Flows sharing links max-min fairly, with rates recomputed incrementally: only the flows connected (through
/// shared links) to a flow that started or finished are re-rated, since max-min fair rates decompose over the
/// connected components of the flow-link graph.
///
/// Time is in picoseconds and bytes are `Double`; capacities are bytes per picosecond. A caller adds flows at
/// the current time, calls `settle(at:)` once per instant after its changes, and collects finished flows with
/// `finish(upTo:)` at `nextFinish`. Deterministic: components are found and filled in link order, and finished
/// flows come out by (time, flow number).
public struct FlowNetwork: Sendable {
    /// A flow's handle (reused once the flow has finished and been collected).
    public typealias FlowID = Int

    struct Flow {
        var links: [Int]
        /// Bytes left at `updated`.
        var remaining: Double
        var rate = 0.0
        var updated = 0.0
        var version = 0
        var active = false
    }

    let capacity: [Double]
    private var flows: [Flow] = []
    private var free: [Int] = []
    /// Active flows on each link.
    private var flowsOn: [[Int]]
    /// Links whose flows changed since the last `settle`.
    private var dirty: [Int] = []
    private var isDirty: [Bool]
    private var finishing = FinishHeap()
    /// Scratch for the component search and filling, kept to avoid reallocating.
    private var linkMark: [Int]
    private var flowMark: [Int] = []
    private var mark = 0
    /// Scratch for the filling: each link's place in the component, and each flow's new rate (valid when
    /// its stamp is the current one).
    private var linkSlot: [Int]
    private var newRate: [Double] = []
    private var rateStamp: [Int] = []
    private var rateMark = 0
    /// Flows re-rated so far (a measure of the incremental work).
    public private(set) var reratings = 0
    /// Flows active now.
    public private(set) var activeFlows = 0
    /// Re-rate every flow at every change instead of the connected ones (the same rates, for comparison).
    public var recomputeEverything = false

    /// A network whose link `l` carries `capacityBytesPerPs[l]` bytes per picosecond.
    public init(capacityBytesPerPs: [Double]) {
        capacity = capacityBytesPerPs
        flowsOn = Array(repeating: [], count: capacity.count)
        isDirty = Array(repeating: false, count: capacity.count)
        linkMark = Array(repeating: 0, count: capacity.count)
        linkSlot = Array(repeating: 0, count: capacity.count)
    }

    /// Starts a flow of `bytes` (> 0) over `links` (not empty) at `now`; its rate is set by the next `settle`.
    public mutating func add(links: [Int], bytes: Double, at now: Double) -> FlowID {
        let id: Int
        let flow = Flow(links: links, remaining: bytes, rate: 0, updated: now, version: 0, active: true)
        if let reused = free.popLast() {
            id = reused
            flows[id] = Flow(
                links: links, remaining: bytes, rate: 0, updated: now, version: flows[id].version + 1, active: true)
        } else {
            id = flows.count
            flows.append(flow)
            flowMark.append(0)
            newRate.append(0)
            rateStamp.append(0)
        }
        for l in links {
            flowsOn[l].append(id)
            touch(l)
        }
        activeFlows += 1
        return id
    }

    private mutating func touch(_ l: Int) {
        if !isDirty[l] {
            isDirty[l] = true
            dirty.append(l)
        }
    }

    /// The earliest time a flow finishes at its current rate, if any flow is moving.
    public mutating func nextFinish() -> Double? {
        while let top = finishing.peek {
            let f = flows[top.flow]
            if f.active && f.version == top.version { return top.time }
            finishing.pop()
        }
        return nil
    }

    /// Removes and returns the flows that finish at or before `time` (in order of finish time, then flow
    /// number); their links' other flows are re-rated by the next `settle`.
    public mutating func finish(upTo time: Double) -> [FlowID] {
        var done: [FlowID] = []
        while let top = finishing.peek, top.time <= time {
            finishing.pop()
            let f = flows[top.flow]
            guard f.active, f.version == top.version else { continue }
            done.append(top.flow)
            flows[top.flow].active = false
            flows[top.flow].remaining = 0
            flows[top.flow].version += 1
            for l in f.links {
                if let i = flowsOn[l].firstIndex(of: top.flow) { flowsOn[l].remove(at: i) }
                touch(l)
            }
            free.append(top.flow)
            activeFlows -= 1
        }
        return done
    }

    /// Re-rates the flows connected to a link that changed since the last call, as at `now`.
    public mutating func settle(at now: Double) {
        guard !dirty.isEmpty else { return }
        if recomputeEverything {
            for l in flowsOn.indices where !flowsOn[l].isEmpty { touch(l) }
        }
        dirty.sort()
        mark += 1
        // The links and flows connected to the changed links, breadth first from the lowest link.
        var componentLinks: [Int] = []
        var componentFlows: [Int] = []
        for start in dirty {
            isDirty[start] = false
            guard linkMark[start] != mark else { continue }
            linkMark[start] = mark
            var queue = [start], head = 0
            while head < queue.count {
                let l = queue[head]
                head += 1
                componentLinks.append(l)
                for f in flowsOn[l] where flowMark[f] != mark {
                    flowMark[f] = mark
                    componentFlows.append(f)
                    for k in flows[f].links where linkMark[k] != mark {
                        linkMark[k] = mark
                        queue.append(k)
                    }
                }
            }
        }
        dirty.removeAll(keepingCapacity: true)
        guard !componentFlows.isEmpty else { return }
        componentFlows.sort()
        componentLinks.sort()
        reratings += componentFlows.count
        // Water filling over the component: every unfrozen flow runs at the current level; links saturate in
        // order of the level at which they would (capacity less the frozen flows' rates, over the unfrozen
        // flows); a saturating link freezes its unfrozen flows at that level, which moves its neighbours'
        // levels. A heap of links by (level, link), stale entries skipped: O((links + flow hops) log links).
        for (i, l) in componentLinks.enumerated() { linkSlot[l] = i }
        var frozenSum = [Double](repeating: 0, count: componentLinks.count)
        var unfrozen = componentLinks.map { flowsOn[$0].count }
        var stamp = [Int](repeating: 0, count: componentLinks.count)
        var heap = LevelHeap()
        for (i, l) in componentLinks.enumerated() where unfrozen[i] > 0 {
            heap.push(level: capacity[l] / Double(unfrozen[i]), link: i, stamp: 0)
        }
        rateMark += 1
        var level = 0.0
        while let top = heap.pop() {
            let i = top.link
            guard top.stamp == stamp[i], unfrozen[i] > 0 else { continue }
            level = max(level, top.level)
            for f in flowsOn[componentLinks[i]] where rateStamp[f] != rateMark {
                rateStamp[f] = rateMark
                newRate[f] = level
                for k in flows[f].links {
                    let j = linkSlot[k]
                    unfrozen[j] -= 1
                    frozenSum[j] += level
                    if j != i && unfrozen[j] > 0 {
                        stamp[j] += 1
                        let l = componentLinks[j]
                        heap.push(level: max(level, (capacity[l] - frozenSum[j]) / Double(unfrozen[j])), link: j, stamp: stamp[j])
                    }
                }
            }
        }
        for f in componentFlows {
            let rate = rateStamp[f] == rateMark ? newRate[f] : 0
            var flow = flows[f]
            guard rate != flow.rate else { continue }
            flow.remaining = max(0, flow.remaining - flow.rate * (now - flow.updated))
            flow.updated = now
            flow.rate = rate
            flow.version += 1
            flows[f] = flow
            if rate > 0 { finishing.push(time: now + flow.remaining / rate, flow: f, version: flow.version) }
        }
    }

    /// The rate of an active flow, bytes per picosecond.
    public func rate(_ id: FlowID) -> Double { flows[id].rate }
}

/// Links by the level at which they saturate, then link order; `stamp` marks entries made stale by a later push.
struct LevelHeap: Sendable {
    struct Entry: Comparable, Sendable {
        var level: Double, link: Int, stamp: Int
        static func < (a: Entry, b: Entry) -> Bool { (a.level, a.link, a.stamp) < (b.level, b.link, b.stamp) }
    }
    private var heap = BinaryHeap<Entry>()

    mutating func push(level: Double, link: Int, stamp: Int) { heap.push(Entry(level: level, link: link, stamp: stamp)) }

    mutating func pop() -> (level: Double, link: Int, stamp: Int)? { heap.pop().map { ($0.level, $0.link, $0.stamp) } }
}

/// Finish times by (time, flow, version).
struct FinishHeap: Sendable {
    struct Entry: Comparable, Sendable {
        var time: Double, flow: Int, version: Int
        static func < (a: Entry, b: Entry) -> Bool { (a.time, a.flow, a.version) < (b.time, b.flow, b.version) }
    }
    private var heap = BinaryHeap<Entry>()

    var peek: (time: Double, flow: Int, version: Int)? { heap.first.map { ($0.time, $0.flow, $0.version) } }

    mutating func push(time: Double, flow: Int, version: Int) { heap.push(Entry(time: time, flow: flow, version: version)) }

    mutating func pop() { heap.pop() }
}
