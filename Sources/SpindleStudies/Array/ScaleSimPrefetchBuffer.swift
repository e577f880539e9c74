/// SCALE-Sim v3's double-buffered read buffer under a user-given DRAM bandwidth (`InterfaceBandwidth: USER`).
///
/// The operand's fetch order (its prefetch matrix) is cut into fetch lines of `bandwidth` words, one line a
/// cycle from DRAM with one cycle of latency, and into sets of `ceil(buffer words / 100)` addresses. Half
/// the sets are the active buffer. A demand for an address outside the active sets slides the window by the
/// prefetch half and fetches half a buffer more (counted in full, padding included), and the array waits
/// for that fetch to land. As in SCALE-Sim, a fetch after the first always reads the same fetch lines (its
/// next-line index is reset, not advanced), so the window, not the fetched data, decides hits; and a line's
/// wait is added twice when positive and subtracted when negative. The first fetch fills the active half
/// before the first demand.
struct ScaleSimPrefetchBuffer: ScaleSimReadBuffer {
    let bandwidth: Int
    let fetchLines: Int
    let activeWords: Int, prefetchWords: Int
    /// Sets holding each address (ascending, one entry per set).
    private var setsOf: [Int: [Int32]] = [:]
    let setCount: Int, activeSets: Int, prefetchSets: Int
    private var activeStart = 0, activeEnd = 0
    private(set) var started = false
    /// Cycle the last fetch's last line lands.
    private(set) var lastPrefetch = 0
    /// Words fetched from DRAM (whole fetch lines).
    private(set) var accesses = 0
    /// Cycle the first fetch line lands.
    private(set) var firstResponse = 0

    var dramReads: Int { accesses }
    var dramSpan: (Int, Int)? { started ? (firstResponse, lastPrefetch) : nil }

    /// `fetchOrder` is the prefetch matrix flattened in fetch order (-1 for padding).
    init(fetchOrder: [Int], bufferWords: Int, bandwidth: Int) {
        self.bandwidth = max(1, bandwidth)
        fetchLines = max(1, (fetchOrder.count + self.bandwidth - 1) / self.bandwidth)
        activeWords = (bufferWords + 1) / 2
        prefetchWords = bufferWords - activeWords
        let perSet = max(1, (bufferWords + 99) / 100)
        var set: Int32 = 0, inSet = 0
        for a in fetchOrder where a >= 0 {
            if setsOf[a]?.last != set { setsOf[a, default: []].append(set) }
            inSet += 1
            if inSet == perSet {
                set += 1
                inSet = 0
            }
        }
        setCount = Int(set) + 1
        activeSets = min((activeWords + perSet - 1) / perSet, setCount)
        prefetchSets = min((prefetchWords + perSet - 1) / perSet, setCount - activeSets)
    }

    /// The first fetch, filling the active half before the demand at `cycle`.
    mutating func start(at cycle: Int) {
        let lines = min((activeWords + bandwidth - 1) / bandwidth, fetchLines)
        accesses += lines * bandwidth
        firstResponse = cycle - lines
        lastPrefetch = cycle - 1
        activeStart = 0
        activeEnd = activeSets
        started = true
    }

    func hit(_ address: Int) -> Bool {
        guard let sets = setsOf[address] else { return false }
        for s in sets {
            let s = Int(s)
            if activeStart < activeEnd ? (s >= activeStart && s < activeEnd) : (s >= activeStart || s < activeEnd) { return true }
        }
        return false
    }

    mutating func prefetch() {
        activeStart = (activeStart + prefetchSets) % setCount
        activeEnd = (activeStart + activeSets) % setCount
        let lines = (prefetchWords + bandwidth - 1) / bandwidth
        accesses += lines * bandwidth
        lastPrefetch += lines + 1
    }

    /// Serves one demand line of `addresses` arriving at `cycle`; returns the cycle it is served.
    mutating func serve(_ addresses: [Int], at cycle: Int) -> Int {
        if !started { start(at: cycle) }
        var offset = 1
        for a in addresses {
            var guardCount = 0
            while !hit(a) && guardCount <= setCount && prefetchSets > 0 {
                prefetch()
                let wait = lastPrefetch - (cycle + offset)
                offset += wait
                if wait > 0 { offset += wait }
                guardCount += 1
            }
        }
        return cycle + offset
    }
}
