/// When SCALE-Sim's CALC-mode read estimator prefetches from DRAM: the first and last cycle of its DRAM trace.
///
/// The estimator groups the addresses it misses into sets of `floor(buffer words / 100)`; every 50 sets
/// (half the buffer) it prefetches, at 10 words a cycle (SCALE-Sim's fixed CALC figure), the sets it has
/// gathered. The first prefetch ends the cycle before the first demand; each later one spans the cycles
/// since the previous. So the trace starts `ceil(50 x set / 10)` cycles before the first demand and ends
/// one cycle after the last 50-set boundary; with no boundary the one prefetch ends at cycle -1.
struct ScaleSimReadTiming {
    let itemsPerSet: Int
    static let setsPerHalf = 50
    static let bandwidth = 10
    var firstLine: Int?
    var misses = 0
    var lastBoundaryLine: Int?

    init(bufferWords: Int) { itemsPerSet = max(1, bufferWords / 100) }

    /// A demand line with at least one valid address.
    mutating func demand(line: Int) { if firstLine == nil { firstLine = line } }

    /// A missed address at `line` (a DRAM read).
    mutating func miss(line: Int) {
        misses += 1
        if misses % (Self.setsPerHalf * itemsPerSet) == 0 { lastBoundaryLine = line }
    }

    /// (first, last) cycle of the DRAM trace, or nil with no read.
    var startStop: (Int, Int)? {
        guard let first = firstLine, misses > 0 else { return nil }
        if let last = lastBoundaryLine {
            let cycles = (Self.setsPerHalf * itemsPerSet + Self.bandwidth - 1) / Self.bandwidth
            return (first - cycles, last + 1)
        }
        let sets = (misses + itemsPerSet - 1) / itemsPerSet
        return (-((sets * itemsPerSet + Self.bandwidth - 1) / Self.bandwidth), -1)
    }
}

/// SCALE-Sim's CALC-mode OFMAP write buffer: its DRAM writes and their first and last cycle.
///
/// Outputs fill lines of `bandwidth` words (the array width). When more than half the buffer holds data
/// and no drain is running, the partly filled line is closed and up to half a buffer of lines drains, one
/// line a cycle (SCALE-Sim v3's write port adds no latency). A drain counts every word of its lines but the
/// empty slots of its last one, so a line closed early counts in full when it is not last, as in
/// SCALE-Sim. At the end everything left drains, drain after drain.
struct ScaleSimWriteTiming {
    let bufferWords: Int, lineWords: Int, drainWords: Int
    /// Words in each closed line, in order.
    var lines: [Int32] = []
    var fill = 0
    var freeSpace: Int
    var drainStartLine = 0
    var drainEnd = 0
    var writes = 0
    var first: Int?
    var last = 0

    init(bufferWords: Int, lineWords: Int) {
        self.bufferWords = bufferWords
        self.lineWords = max(1, lineWords)
        drainWords = bufferWords - (bufferWords + 1) / 2
        freeSpace = bufferWords
    }

    mutating func closeLine() {
        guard fill > 0 else { return }
        lines.append(Int32(fill))
        fill = 0
    }

    /// Stores `count` outputs demanded at `cycle`; returns the cycle the last one is taken (later when the
    /// buffer is full and a drain is running).
    mutating func store(_ count: Int, at cycle: Int) -> Int {
        var current = cycle
        for _ in 0..<count {
            fill += 1
            freeSpace -= 1
            if fill == lineWords { closeLine() }
            if current < drainEnd {
                if freeSpace <= 0 { current = drainEnd }
            } else if freeSpace < bufferWords - drainWords {
                closeLine()
                drainEnd = drain(at: current)
            }
        }
        return current
    }

    /// Drains up to half a buffer of lines from `start`; returns the cycle it ends.
    mutating func drain(at start: Int) -> Int {
        let perDrain = (drainWords + lineWords - 1) / lineWords
        let end = min(drainStartLine + perDrain, lines.count)
        let n = end - drainStartLine
        guard n > 0 else { return start }
        let data = n * lineWords - (lineWords - Int(lines[end - 1]))
        writes += data
        freeSpace += data
        drainStartLine = end
        if first == nil { first = start }
        last = max(last, start + n - 1)
        return start + n - 1
    }

    /// Drains everything left, from `cycle`.
    mutating func finish(at cycle: Int) {
        closeLine()
        var c = cycle
        while drainStartLine < lines.count {
            drainEnd = drain(at: c)
            c = drainEnd + 1
        }
    }
}
