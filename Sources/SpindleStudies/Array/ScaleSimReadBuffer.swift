/// A read buffer that SCALE-Sim's memory system serves the array's demand lines from.
protocol ScaleSimReadBuffer {
    /// Serves one demand line (valid addresses, in the line's order, repeats included) arriving at `cycle`;
    /// returns the cycle it is served: `cycle + 1` (the hit latency) unless the line waits for DRAM.
    mutating func serve(_ addresses: [Int], at cycle: Int) -> Int
    /// Words read from DRAM.
    var dramReads: Int { get }
    /// First and last cycle of the DRAM read trace; nil with no read.
    var dramSpan: (Int, Int)? { get }
}

/// SCALE-Sim's CALC-mode read estimator: it never stalls the array; a DRAM read is an address first seen
/// within the current window of 50 sets of floor(buffer / 100) addresses (the active half, replaced as a
/// whole), and `ScaleSimReadTiming` places those reads in time.
struct ScaleSimEstimatedRead: ScaleSimReadBuffer {
    let window: Int
    private var seen = Set<Int>()
    private var added = 0
    private(set) var dramReads = 0
    private var timing: ScaleSimReadTiming

    init(bufferWords: Int) {
        window = ScaleSimReadTiming.setsPerHalf * max(1, bufferWords / 100)
        timing = ScaleSimReadTiming(bufferWords: bufferWords)
    }

    mutating func serve(_ addresses: [Int], at cycle: Int) -> Int {
        if !addresses.isEmpty { timing.demand(line: cycle) }
        for a in addresses where seen.insert(a).inserted {
            dramReads += 1
            timing.miss(line: cycle)
            added += 1
            if added == window {
                seen.removeAll(keepingCapacity: true)
                added = 0
            }
        }
        return cycle + 1
    }

    var dramSpan: (Int, Int)? { timing.startStop }
}
