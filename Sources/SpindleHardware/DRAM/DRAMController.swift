import SpindleCore

/// A cycle-level DRAM channel controller: per-bank command queues, FR-FCFS scheduling, open-page row
/// buffers, JEDEC timing between commands, rank-level staggered refresh and write draining.
///
/// Time is in DRAM clock cycles. Reads complete when their burst has been transferred; writes count as
/// done when the controller accepts them (as DRAMsim3 does). One command is issued per cycle, and one
/// transaction per cycle moves from the transaction queues into a bank's command queue.
///
/// A value type on purpose: its per-cycle work touches many fields, and as a struct those accesses are
/// checked for exclusivity at compile time instead of at run time (which cost half the time as a class).
public struct DRAMController {
    public let config: DRAMConfig

    struct Entry {
        var address: UInt64
        var isWrite: Bool
        var arrival: Int
        var rank: Int
        var bankGroup: Int
        /// Global bank index: rank * banks + bankGroup * banksPerGroup + bank.
        var bank: Int
        var row: Int
        var openedForIt = false
        var tag = 0
    }

    /// Counts of one run.
    public struct Statistics: Sendable, Equatable, Codable {
        public var cycles = 0
        public var readsDone = 0
        public var writesDone = 0
        public var readCommands = 0
        public var writeCommands = 0
        public var readRowHits = 0
        public var writeRowHits = 0
        public var activates = 0
        public var precharges = 0
        public var refreshes = 0
        public var readLatencySum = 0
        public var activeCycles = 0
        public var idleCycles = 0

        enum CodingKeys: String, CodingKey {
            case cycles
            case readsDone = "reads_done"
            case writesDone = "writes_done"
            case readCommands = "read_cmds"
            case writeCommands = "write_cmds"
            case readRowHits = "read_row_hits"
            case writeRowHits = "write_row_hits"
            case activates = "act_cmds"
            case precharges = "pre_cmds"
            case refreshes = "ref_cmds"
            case readLatencySum = "read_latency_sum"
            case activeCycles = "rank_active_cycles"
            case idleCycles = "rank_idle_cycles"
        }
    }

    public private(set) var now = 0
    public private(set) var stats = Statistics()
    let ranks: Int, banksPerRank: Int
    var openRow: [Int]
    var nextACT: [Int], nextPRE: [Int], nextRD: [Int], nextWR: [Int]
    var recentACTs: [[Int]]
    var rankBusyUntil: [Int]
    var refreshPending: [Bool]
    var nextRefreshRank = 0
    let refreshInterval: Int
    var readQueue: [Entry] = []
    var writeBuffer: [Entry] = []
    var writeDraining = 0
    var commandQueues: [[Entry]]
    /// Entries in all command queues together.
    var queuedCommands = 0
    var roundRobin = 0
    var inFlight: [(done: Int, arrival: Int, tag: Int)] = []
    /// Reads completed since the caller last emptied it: (tag, cycle).
    public var completedReads: [(tag: Int, cycle: Int)] = []
    /// Whether nothing is queued or in flight.
    public var isIdle: Bool {
        readQueue.isEmpty && writeBuffer.isEmpty && inFlight.isEmpty && queuedCommands == 0
    }
    // Address fields: (shift, mask) by name.
    let fields: [String: (Int, UInt64)]

    public init(config: DRAMConfig) {
        self.config = config
        ranks = config.ranks
        banksPerRank = config.banks
        let n = ranks * banksPerRank
        openRow = Array(repeating: -1, count: n)
        nextACT = Array(repeating: 0, count: n)
        nextPRE = Array(repeating: 0, count: n)
        nextRD = Array(repeating: 0, count: n)
        nextWR = Array(repeating: 0, count: n)
        recentACTs = Array(repeating: [], count: ranks)
        rankBusyUntil = Array(repeating: 0, count: ranks)
        refreshPending = Array(repeating: false, count: ranks)
        refreshInterval = max(1, config.tREFI / ranks)
        commandQueues = Array(repeating: [], count: n)
        // Field widths; the lowest bits address the bytes of one request.
        func bits(_ v: Int) -> Int {
            var b = 0
            while (1 << b) < v { b += 1 }
            return b
        }
        let widths: [String: Int] = [
            "ro": bits(config.rows), "ch": 0, "ra": bits(ranks), "ba": bits(config.banksPerGroup), "bg": bits(config.bankGroups),
            "co": bits(config.columns) - bits(config.burstLength),
        ]
        var shift = bits(config.requestBytes)
        var f: [String: (Int, UInt64)] = [:]
        let names = stride(from: 10, through: 0, by: -2).map { i -> String in
            let s = config.addressMapping.index(config.addressMapping.startIndex, offsetBy: i)
            return String(config.addressMapping[s..<config.addressMapping.index(s, offsetBy: 2)])
        }
        for name in names {  // least significant first
            let w = widths[name] ?? 0
            f[name] = (shift, (UInt64(1) << UInt64(w)) - 1)
            shift += w
        }
        fields = f
    }

    func field(_ address: UInt64, _ name: String) -> Int {
        let (s, m) = fields[name]!
        return Int((address >> UInt64(s)) & m)
    }

    /// Whether a new transaction of this kind can be accepted this cycle.
    public func willAccept(isWrite: Bool) -> Bool {
        isWrite ? writeBuffer.count < config.transactionQueueSize : readQueue.count < config.transactionQueueSize
    }

    /// Adds a transaction (the caller checked `willAccept`).
    public mutating func add(address: UInt64, isWrite: Bool, tag: Int = 0) {
        let rank = field(address, "ra") % ranks
        let bg = field(address, "bg"), ba = field(address, "ba")
        let e = Entry(
            address: address, isWrite: isWrite, arrival: now, rank: rank, bankGroup: bg,
            bank: rank * banksPerRank + bg * config.banksPerGroup + ba, row: field(address, "ro"), tag: tag)
        if isWrite {
            writeBuffer.append(e)
            stats.writesDone += 1
        } else {
            readQueue.append(e)
        }
    }

    /// Advances one cycle.
    public mutating func tick() {
        // Reads whose burst has finished.
        if !inFlight.isEmpty {
            var kept = 0
            for i in inFlight.indices {
                let r = inFlight[i]
                if r.done <= now {
                    stats.readsDone += 1
                    stats.readLatencySum += r.done - r.arrival
                    completedReads.append((r.tag, r.done))
                } else {
                    inFlight[kept] = r
                    kept += 1
                }
            }
            inFlight.removeLast(inFlight.count - kept)
        }
        if now > 0 && now % refreshInterval == 0 {
            refreshPending[nextRefreshRank] = true
            nextRefreshRank = (nextRefreshRank + 1) % ranks
        }
        issueCommand()
        scheduleTransaction()
        for r in 0..<ranks {
            let base = r * banksPerRank
            if (base..<(base + banksPerRank)).contains(where: { openRow[$0] >= 0 }) {
                stats.activeCycles += 1
            } else {
                stats.idleCycles += 1
            }
        }
        now += 1
        stats.cycles = now
    }

    /// Skips idle cycles up to `cycle` (exclusive): refreshes due in between are counted (and close the
    /// open rows), standby cycles are counted as precharged after the first refresh and active before it.
    public mutating func advanceIdle(to cycle: Int) {
        precondition(isIdle, "advanceIdle needs an idle controller")
        guard cycle > now else { return }
        var t = now
        var rounds = 0
        while t < cycle {
            rounds += 1
            if rounds > ranks + 1 {
                // Every rank has been refreshed (and so closed) once: the rest is closed form, so idle time
                // costs the same however long it is.
                skipClosed(from: t, to: cycle)
                t = cycle
                break
            }
            let nextRefresh = (t / refreshInterval + 1) * refreshInterval
            let stop = min(cycle, nextRefresh)
            for r in 0..<ranks {
                let open = banks(ofRank: r).contains { openRow[$0] >= 0 }
                if open { stats.activeCycles += stop - t } else { stats.idleCycles += stop - t }
            }
            t = stop
            if t == nextRefresh && t < cycle {
                let r = nextRefreshRank
                nextRefreshRank = (nextRefreshRank + 1) % ranks
                stats.refreshes += 1
                for b in banks(ofRank: r) where openRow[b] >= 0 {
                    openRow[b] = -1
                    stats.precharges += 1
                }
                rankBusyUntil[r] = max(rankBusyUntil[r], t + config.tRFC)
            }
        }
        now = cycle
        stats.cycles = now
    }

    /// Idle cycles from `t` to `cycle` with every bank closed: precharged standby on every rank, and the
    /// refreshes due at multiples of the refresh interval strictly between, rotating over the ranks.
    private mutating func skipClosed(from t: Int, to cycle: Int) {
        stats.idleCycles += (cycle - t) * ranks
        let first = t / refreshInterval + 1  // index of the first refresh after t
        let last = (cycle - 1) / refreshInterval  // index of the last refresh before cycle
        guard last >= first else { return }
        let n = last - first + 1
        stats.refreshes += n
        // The final min(n, ranks) refreshes are the ones whose busy time can still matter.
        for k in max(0, n - ranks)..<n {
            let r = (nextRefreshRank + k) % ranks
            rankBusyUntil[r] = max(rankBusyUntil[r], (first + k) * refreshInterval + config.tRFC)
        }
        nextRefreshRank = (nextRefreshRank + n) % ranks
    }

    // MARK: Scheduling

    mutating func scheduleTransaction() {
        if writeDraining == 0 && (writeBuffer.count >= config.transactionQueueSize || (readQueue.isEmpty && !writeBuffer.isEmpty)) {
            writeDraining = writeBuffer.count
        }
        if writeDraining > 0 {
            if let i = writeBuffer.firstIndex(where: { commandQueues[$0.bank].count < config.commandQueueSize }) {
                commandQueues[writeBuffer[i].bank].append(writeBuffer.remove(at: i))
                queuedCommands += 1
                writeDraining -= 1
            }
            return
        }
        if let i = readQueue.firstIndex(where: { commandQueues[$0.bank].count < config.commandQueueSize }) {
            commandQueues[readQueue[i].bank].append(readQueue.remove(at: i))
            queuedCommands += 1
        }
    }

    enum Command { case activate, precharge, read, write }

    func ready(_ c: Command, bank b: Int, rank r: Int) -> Bool {
        if now < rankBusyUntil[r] { return false }
        switch c {
        case .activate:
            if now < nextACT[b] { return false }
            if config.tFAW > 0 && recentACTs[r].count >= 4 && now < recentACTs[r][recentACTs[r].count - 4] + config.tFAW { return false }
            return true
        case .precharge: return now >= nextPRE[b]
        case .read: return now >= nextRD[b]
        case .write: return now >= nextWR[b]
        }
    }

    mutating func issueCommand() {
        // Refresh first: close the rank's banks, then refresh it.
        for r in 0..<ranks where refreshPending[r] {
            let base = r * banksPerRank
            if let b = (base..<(base + banksPerRank)).first(where: { openRow[$0] >= 0 }) {
                if ready(.precharge, bank: b, rank: r) {
                    precharge(b)
                    return
                }
                continue
            }
            if (base..<(base + banksPerRank)).allSatisfy({ now >= nextACT[$0] }) && now >= rankBusyUntil[r] {
                refreshPending[r] = false
                stats.refreshes += 1
                rankBusyUntil[r] = now + config.tRFC
                return
            }
        }
        guard queuedCommands > 0 else { return }
        let n = commandQueues.count
        // First-ready: a row hit whose read or write can issue now.
        for k in 0..<n {
            let b = (roundRobin + k) % n
            // A bank's queue holds one rank's requests, so readiness depends only on the command kind.
            let row = openRow[b]
            guard row >= 0, let r = commandQueues[b].first?.rank, !refreshPending[r] else { continue }
            let canRead = ready(.read, bank: b, rank: r), canWrite = ready(.write, bank: b, rank: r)
            guard canRead || canWrite else { continue }
            if let i = commandQueues[b].firstIndex(where: { $0.row == row && ($0.isWrite ? canWrite : canRead) }) {
                readWrite(b, i)
                roundRobin = (b + 1) % n
                return
            }
        }
        // First-come first-served: the oldest request of each queue opens its row.
        for k in 0..<n {
            let b = (roundRobin + k) % n
            guard let e = commandQueues[b].first, !refreshPending[e.rank] else { continue }
            if openRow[b] == e.row { continue }  // a hit waiting for timing
            if openRow[b] >= 0 {
                // Do not close a row that queued requests still hit.
                if commandQueues[b].contains(where: { $0.row == openRow[b] }) { continue }
                if ready(.precharge, bank: b, rank: e.rank) {
                    precharge(b)
                    roundRobin = (b + 1) % n
                    return
                }
            } else if ready(.activate, bank: b, rank: e.rank) {
                activate(b, row: e.row, rank: e.rank, bankGroup: e.bankGroup)
                commandQueues[b][0].openedForIt = true
                roundRobin = (b + 1) % n
                return
            }
        }
    }

    // MARK: Commands and their timing

    func banks(ofRank r: Int) -> Range<Int> { (r * banksPerRank)..<((r + 1) * banksPerRank) }
    func sameGroup(_ b: Int, _ c: Int) -> Bool { (b % banksPerRank) / config.banksPerGroup == (c % banksPerRank) / config.banksPerGroup }

    mutating func activate(_ b: Int, row: Int, rank r: Int, bankGroup: Int) {
        let c = config
        openRow[b] = row
        stats.activates += 1
        nextACT[b] = max(nextACT[b], now + c.tRC)
        nextPRE[b] = max(nextPRE[b], now + c.tRAS)
        nextRD[b] = max(nextRD[b], now + c.tRCD - c.AL)
        nextWR[b] = max(nextWR[b], now + c.tRCD - c.AL)
        for o in banks(ofRank: r) where o != b {
            nextACT[o] = max(nextACT[o], now + (sameGroup(o, b) ? c.tRRDL : c.tRRDS))
        }
        recentACTs[r].append(now)
        if recentACTs[r].count > 4 { recentACTs[r].removeFirst() }
    }

    mutating func precharge(_ b: Int) {
        openRow[b] = -1
        stats.precharges += 1
        nextACT[b] = max(nextACT[b], now + config.tRP)
    }

    mutating func readWrite(_ b: Int, _ i: Int) {
        let c = config
        let e = commandQueues[b].remove(at: i)
        queuedCommands -= 1
        let r = e.rank
        let burst = c.burstCycles
        if e.isWrite {
            stats.writeCommands += 1
            if !e.openedForIt { stats.writeRowHits += 1 }
            nextPRE[b] = max(nextPRE[b], now + c.writeLatency + burst + c.tWR)
            for o in banks(ofRank: r) {
                let same = sameGroup(o, b)
                nextWR[o] = max(nextWR[o], now + max(burst, same ? c.tCCDL : c.tCCDS))
                nextRD[o] = max(nextRD[o], now + c.writeLatency + burst + (same ? c.tWTRL : c.tWTRS))
            }
            for other in 0..<ranks where other != r {
                for o in banks(ofRank: other) {
                    nextWR[o] = max(nextWR[o], now + burst + c.tRTRS)
                    nextRD[o] = max(nextRD[o], now + max(burst + c.tRTRS, c.writeLatency + burst + c.tRTRS - c.readLatency))
                }
            }
        } else {
            stats.readCommands += 1
            if !e.openedForIt { stats.readRowHits += 1 }
            inFlight.append((now + c.readLatency + burst, e.arrival, e.tag))
            nextPRE[b] = max(nextPRE[b], now + c.AL + c.tRTP)
            let readToWrite = c.readLatency + burst + 2 - c.writeLatency
            for o in banks(ofRank: r) {
                nextRD[o] = max(nextRD[o], now + max(burst, sameGroup(o, b) ? c.tCCDL : c.tCCDS))
                nextWR[o] = max(nextWR[o], now + readToWrite)
            }
            for other in 0..<ranks where other != r {
                for o in banks(ofRank: other) {
                    nextRD[o] = max(nextRD[o], now + burst + c.tRTRS)
                    nextWR[o] = max(nextWR[o], now + c.readLatency + burst + c.tRTRS - c.writeLatency)
                }
            }
        }
    }
}
