import SpindleCore

/// One level of a hierarchical cluster: `size` units of the level below (chips at the first level) joined
/// by a network, each link with its bandwidth, latency and energy per bit.
public struct ClusterLevel: Sendable, Equatable, Codable {
    /// How the units of a level are joined.
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// One switch; every chip (first level) or every switch of the level below has its own link to it.
        case `switch`
        /// Every pair of chips has its own link (first level only).
        case fullyConnected = "fully-connected"
        /// A bidirectional ring of the chips (first level only).
        case ring
    }

    public var name: String
    public var size: Int
    public var kind: Kind
    /// Each link's bandwidth per direction. Above the first level it is per chip: a switch's link to the
    /// level above carries `bandwidth` x the chips under it, so a lower figure than the level below is an
    /// oversubscribed tree.
    public var gbPerSecond: Double
    public var latencyPs: Picoseconds
    public var picojoulesPerBit: Double

    public init(name: String, size: Int, kind: Kind, gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double = 0) {
        self.name = name
        self.size = size
        self.kind = kind
        self.gbPerSecond = gbPerSecond
        self.latencyPs = latencyPs
        self.picojoulesPerBit = picojoulesPerBit
    }
}

/// Routes in a hierarchical network: up to the lowest level whose group holds both chips, and down.
struct TreeRoutes: Sendable, Equatable {
    /// Chips under one group of each level (the first level's group is a node).
    var span: [Int]
    var firstKind: ClusterLevel.Kind
    /// The node switch of each node (first level `switch`).
    var nodeSwitch: [Int]
    /// Each chip's link up to its level-1 switch, and down from it (chip c: `chipUp[c]`, `chipUp[c] + 1`).
    var chipUp: [Int]
    /// Each level-k switch's link up to its parent (k >= 1), by level then group; the link down is the next.
    var switchUp: [[Int]]

    func route(_ a: Int, _ b: Int, in net: ClusterNetwork) -> [Int] {
        var level = 0
        while a / span[level] != b / span[level] { level += 1 }
        if level == 0 {
            switch firstKind {
            case .switch:
                let s = nodeSwitch[a / span[0]]
                guard let up = net.link(a, s), let down = net.link(s, b) else { return [] }
                return [up, down]
            case .fullyConnected:
                return net.link(a, b).map { [$0] } ?? []
            case .ring:
                let n = span[0], base = a / n * n
                let (i, j) = (a - base, b - base)
                let forward = (j - i + n) % n
                let step = forward <= n - forward ? 1 : n - 1
                var path: [Int] = []
                var c = i
                while c != j {
                    let next = (c + step) % n
                    guard let l = net.link(base + c, base + next) else { return [] }
                    path.append(l)
                    c = next
                }
                return path
            }
        }
        var path = [chipUp[a]]
        for k in 1..<level { path.append(switchUp[k][a / span[k]]) }
        for k in (1..<level).reversed() { path.append(switchUp[k][b / span[k]] + 1) }
        path.append(chipUp[b] + 1)
        return path
    }
}

extension ClusterNetwork {
    /// Chips in nested groups: `levels[0]` joins `levels[0].size` chips into a node, each later level joins
    /// `size` groups of the level before under one switch (each chip has its own link to the first such
    /// switch, as with one network card per chip; switches link to their parent). Chip `c` is in node
    /// `c / levels[0].size`. The last level holds every chip.
    public static func hierarchical(name: String, levels: [ClusterLevel]) throws(SpindleError) -> ClusterNetwork {
        guard let first = levels.first else {
            throw SpindleError(.invalidValue, "a hierarchical cluster has no levels", expected: "one level or more")
        }
        for (i, l) in levels.enumerated() where i > 0 && l.kind != .switch {
            throw SpindleError(
                .unsupported, "level '\(l.name)' is \(l.kind.rawValue); only the first level may be \(l.kind.rawValue)",
                choices: ["switch"])
        }
        var span: [Int] = []
        var chips = 1
        for l in levels {
            guard l.size >= 1, chips <= (1 << 24) / l.size else {
                throw SpindleError(
                    .invalidValue, "level '\(l.name)' has size \(l.size)", expected: "1 or more, and 2^24 chips at most in all")
            }
            chips *= l.size
            span.append(chips)
        }
        // Switches: one per node (first level a switch), then one per group of every later level.
        let nodeCount = chips / first.size
        var switches = first.kind == .switch && first.size > 1 ? nodeCount : 0
        for k in 1..<levels.count { switches += chips / span[k] }
        var net = ClusterNetwork(name: name, endpoints: chips, switches: switches)
        var next = chips
        var nodeSwitch: [Int] = []
        for node in 0..<nodeCount {
            let base = node * first.size
            switch first.kind {
            case .switch where first.size > 1:
                let s = next
                next += 1
                nodeSwitch.append(s)
                for c in base..<(base + first.size) {
                    net.connect(c, s, gbPerSecond: first.gbPerSecond, latencyPs: first.latencyPs, picojoulesPerBit: first.picojoulesPerBit)
                }
            case .fullyConnected, .switch:
                for a in base..<(base + first.size) {
                    for b in (a + 1)..<max(a + 1, base + first.size) {
                        net.connect(
                            a, b, gbPerSecond: first.gbPerSecond, latencyPs: first.latencyPs, picojoulesPerBit: first.picojoulesPerBit)
                    }
                }
            case .ring:
                let n = first.size
                if n == 2 {
                    net.connect(
                        base, base + 1, gbPerSecond: first.gbPerSecond, latencyPs: first.latencyPs, picojoulesPerBit: first.picojoulesPerBit
                    )
                }
                if n > 2 {
                    for i in 0..<n {
                        net.connect(
                            base + i, base + (i + 1) % n, gbPerSecond: first.gbPerSecond, latencyPs: first.latencyPs,
                            picojoulesPerBit: first.picojoulesPerBit)
                    }
                }
            }
        }
        var chipUp = [Int](repeating: -1, count: levels.count > 1 ? chips : 0)
        var switchUp = [[Int]](repeating: [], count: levels.count)
        var below: [Int] = []
        for k in 1..<levels.count {
            let l = levels[k]
            let groups = chips / span[k]
            var here: [Int] = []
            for g in 0..<groups {
                let s = next
                next += 1
                here.append(s)
                if k == 1 {
                    for c in (g * span[1])..<((g + 1) * span[1]) {
                        chipUp[c] = net.connect(
                            c, s, gbPerSecond: l.gbPerSecond, latencyPs: l.latencyPs, picojoulesPerBit: l.picojoulesPerBit, level: 1)
                    }
                } else {
                    let children = span[k] / span[k - 1]
                    let perChild = Double(span[k - 1])
                    for child in (g * children)..<((g + 1) * children) {
                        switchUp[k - 1].append(
                            net.connect(
                                below[child], s, gbPerSecond: l.gbPerSecond * perChild, latencyPs: l.latencyPs,
                                picojoulesPerBit: l.picojoulesPerBit, level: k))
                    }
                }
            }
            below = here
        }
        net.tree = TreeRoutes(span: span, firstKind: first.kind, nodeSwitch: nodeSwitch, chipUp: chipUp, switchUp: switchUp)
        return net
    }
}
