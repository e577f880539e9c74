import SpindleCore

/// A cycle-level DRAM channel controller with DRAMsim3's scheduling: command queues per bank or per rank,
/// open-page row buffers, JEDEC timing between commands, rank-level staggered refresh and write draining.
///
/// Time is in DRAM clock cycles. Reads complete when their burst has been transferred; writes count as
/// done when the controller accepts them, and a read of an address with a write waiting completes the
/// next cycle (as DRAMsim3 does). Each cycle one transaction moves from the read queue (or, while writes
/// drain, the write buffer) into its command queue, and one command issues (two on HBM: a row and a column
/// command). The scheduler visits the command queues round robin and issues the first command in queue
/// order that is ready: a read or write to an open row, an activate for a closed bank, or a precharge
/// that no earlier entry of the queue needs and that closes a row with no pending hits, or with four hits
/// already served.
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

        public init() {}

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

        /// Adds another channel's counts (cycles are kept: channels run side by side).
        public mutating func add(_ o: Statistics) {
            readsDone += o.readsDone
            writesDone += o.writesDone
            readCommands += o.readCommands
            writeCommands += o.writeCommands
            readRowHits += o.readRowHits
            writeRowHits += o.writeRowHits
            activates += o.activates
            precharges += o.precharges
            refreshes += o.refreshes
            readLatencySum += o.readLatencySum
            activeCycles += o.activeCycles
            idleCycles += o.idleCycles
        }
    }

    public private(set) var now = 0
    public private(set) var stats = Statistics()
    let ranks: Int, banksPerRank: Int
    var openRow: [Int]
    var nextACT: [Int], nextPRE: [Int], nextRD: [Int], nextWR: [Int]
    /// Reads and writes served by each bank since its row opened.
    var rowHits: [Int]
    /// Per rank, DRAMsim3's activation windows: expiry times of recent activates (tFAW, and t32AW on GDDR).
    var fourWindow: [[Int]], thirtyTwoWindow: [[Int]]
    var rankBusyUntil: [Int]
    var refreshPending: [Bool]
    var nextRefreshRank = 0
    let refreshInterval: Int
    var readQueue: [Entry] = []
    var writeBuffer: [Entry] = []
    var writeDraining = 0
    /// One queue per bank (rank * banks + bank) or per rank.
    var commandQueues: [[Entry]]
    /// Entries in all command queues together.
    var queuedCommands = 0
    /// The queue the scheduler visited last.
    var queueIndex = 0
    /// No queued command can issue before this cycle (a lower bound from the banks' timing, set after a
    /// scan that found nothing; cleared when a command is queued or a refresh changes the banks). A
    /// fruitless scan visits every queue once and leaves `queueIndex` where it was, so skipping it changes
    /// nothing but the time taken.
    var scanIdleUntil = 0
    /// Reads accepted and not yet complete, by address: their arrivals and tags (merged reads share one).
    var pendingReads: [UInt64: [(arrival: Int, tag: Int)]] = [:]
    /// Writes waiting in the write buffer or a command queue, by address.
    var pendingWrites: [UInt64: Int] = [:]
    /// Reads under way: a DRAM read of `address` (its waiters are in `pendingReads`), or, with `forwarded`,
    /// a read served from a waiting write.
    var inFlight: [(done: Int, address: UInt64, forwarded: (arrival: Int, tag: Int)?)] = []
    /// Reads completed since the caller last emptied it: (tag, cycle).
    public var completedReads: [(tag: Int, cycle: Int)] = []
    /// Whether nothing is queued or in flight.
    ///
    /// A few writes (at most 8) may wait in the write buffer: as in DRAMsim3 they drain only when it fills,
    /// or when more than 8 wait and the command queues are empty, so time can pass without them.
    public var isIdle: Bool {
        readQueue.isEmpty && inFlight.isEmpty && queuedCommands == 0 && writeDraining == 0
            && writeBuffer.count <= 8 && writeBuffer.count < config.transactionQueueSize
    }
    // Address fields: (shift, mask) by name.
    let fields: [String: (Int, UInt64)]

    public init(config: DRAMConfig) {
        self.config = config
        ranks = config.ranks
        banksPerRank = config.banks
        let n = ranks * banksPerRank
        openRow = Array(repeating: -1, count: n)
        rowHits = Array(repeating: 0, count: n)
        nextACT = Array(repeating: 0, count: n)
        nextPRE = Array(repeating: 0, count: n)
        nextRD = Array(repeating: 0, count: n)
        nextWR = Array(repeating: 0, count: n)
        fourWindow = Array(repeating: [], count: ranks)
        thirtyTwoWindow = Array(repeating: [], count: ranks)
        rankBusyUntil = Array(repeating: 0, count: ranks)
        refreshPending = Array(repeating: false, count: ranks)
        refreshInterval = max(1, config.tREFI / ranks)
        commandQueues = Array(repeating: [], count: config.queueStructure == .perBank ? n : ranks)
        // Field widths; the lowest bits address the bytes of one request.
        func bits(_ v: Int) -> Int {
            var b = 0
            while (1 << b) < v { b += 1 }
            return b
        }
        let widths: [String: Int] = [
            "ro": bits(config.rows), "ch": bits(config.channels), "ra": bits(ranks), "ba": bits(config.banksPerGroup),
            "bg": bits(config.bankGroups), "co": bits(config.physicalColumns) - bits(config.burstLength),
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

    /// The queue an entry waits in.
    @inline(__always) func queue(of e: Entry) -> Int { config.queueStructure == .perBank ? e.bank : e.rank }

    /// Adds a transaction (the caller checked `willAccept`). A write to an address with a write waiting
    /// merges with it; a read of such an address completes the next cycle; a read of an address already
    /// being read shares that read.
    public mutating func add(address: UInt64, isWrite: Bool, tag: Int = 0) {
        let rank = field(address, "ra") % ranks
        let bg = field(address, "bg"), ba = field(address, "ba")
        let e = Entry(
            address: address, isWrite: isWrite, arrival: now, rank: rank, bankGroup: bg,
            bank: rank * banksPerRank + bg * config.banksPerGroup + ba, row: field(address, "ro"), tag: tag)
        if isWrite {
            stats.writesDone += 1
            if pendingWrites[address] == nil {
                pendingWrites[address] = 1
                writeBuffer.append(e)
            }
        } else if pendingWrites[address] != nil {
            inFlight.append((now + 1, address, (now, tag)))
        } else if pendingReads[address] != nil {
            pendingReads[address]!.append((now, tag))
        } else {
            pendingReads[address] = [(now, tag)]
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
                guard r.done <= now else {
                    inFlight[kept] = r
                    kept += 1
                    continue
                }
                for waiting in r.forwarded.map({ [$0] }) ?? pendingReads.removeValue(forKey: r.address) ?? [] {
                    stats.readsDone += 1
                    stats.readLatencySum += r.done - waiting.arrival
                    completedReads.append((waiting.tag, r.done))
                }
            }
            inFlight.removeLast(inFlight.count - kept)
        }
        if now > 0 && now % refreshInterval == 0 {
            refreshPending[nextRefreshRank] = true
            scanIdleUntil = 0
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
                    rowHits[b] = 0
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

    /// Moves one transaction into its command queue, as DRAMsim3: writes drain when the write buffer is
    /// full, or when more than 8 wait and every command queue is empty, until as many have moved as were
    /// waiting (or a write meets a pending read of its address); otherwise reads move, oldest first.
    mutating func scheduleTransaction() {
        if writeDraining == 0 && (writeBuffer.count >= config.transactionQueueSize || (writeBuffer.count > 8 && queuedCommands == 0)) {
            writeDraining = writeBuffer.count
        }
        if writeDraining > 0 {
            for i in writeBuffer.indices where commandQueues[queue(of: writeBuffer[i])].count < config.commandQueueSize {
                if pendingReads[writeBuffer[i].address] != nil {
                    writeDraining = 0
                    break
                }
                writeDraining -= 1
                commandQueues[queue(of: writeBuffer[i])].append(writeBuffer.remove(at: i))
                scanIdleUntil = 0
                queuedCommands += 1
                break
            }
            return
        }
        if let i = readQueue.firstIndex(where: { commandQueues[queue(of: $0)].count < config.commandQueueSize }) {
            commandQueues[queue(of: readQueue[i])].append(readQueue.remove(at: i))
            scanIdleUntil = 0
            queuedCommands += 1
        }
    }

    enum Command { case activate, precharge, read, write }

    func ready(_ c: Command, bank b: Int, rank r: Int) -> Bool {
        if now < rankBusyUntil[r] { return false }
        switch c {
        case .activate:
            if now < nextACT[b] { return false }
            // As DRAMsim3 keeps them: an activate waits while the oldest remembered one has not expired and
            // four (or 32) are remembered; each activate forgets at most one expired entry.
            if let oldest = fourWindow[r].first, now < oldest, fourWindow[r].count >= 4 { return false }
            if config.isGDDR, let oldest = thirtyTwoWindow[r].first, now < oldest, thirtyTwoWindow[r].count >= 32 { return false }
            return true
        case .precharge: return now >= nextPRE[b]
        case .read: return now >= nextRD[b]
        case .write: return now >= nextWR[b]
        }
    }

    /// Issues this cycle's command (and on HBM a second one of the other kind, row or column).
    mutating func issueCommand() {
        // A pending refresh first: close the rank's banks, then refresh it; its queues wait meanwhile.
        for r in 0..<ranks where refreshPending[r] {
            let base = r * banksPerRank
            if let b = (base..<(base + banksPerRank)).first(where: { openRow[$0] >= 0 }) {
                if ready(.precharge, bank: b, rank: r) {
                    precharge(b)
                    scanIdleUntil = 0
                    return
                }
                continue
            }
            if (base..<(base + banksPerRank)).allSatisfy({ now >= nextACT[$0] }) && now >= rankBusyUntil[r] {
                refreshPending[r] = false
                stats.refreshes += 1
                rankBusyUntil[r] = now + config.tRFC
                scanIdleUntil = 0
                return
            }
        }
        guard queuedCommands > 0, now >= scanIdleUntil else { return }
        guard let first = nextCommand(excluding: nil) else {
            scanIdleUntil = earliestIssue()
            return
        }
        perform(first)
        if config.dualCommandIssue, let second = nextCommand(excluding: first.command == .read || first.command == .write ? .column : .row)
        {
            perform(second)
        }
    }

    enum CommandKind { case row, column }

    /// A lower bound on the cycle at which some queued command can issue: each entry's next command's bank
    /// timing and its rank's refresh, ignoring the activation windows and the precharge arbitration (which
    /// can only make it later).
    func earliestIssue() -> Int {
        var earliest = Int.max
        for q in commandQueues.indices {
            for i in commandQueues[q].indices {
                let e = commandQueues[q][i]
                let b = e.bank, open = openRow[b]
                let t = open == e.row ? (e.isWrite ? nextWR[b] : nextRD[b]) : open >= 0 ? nextPRE[b] : nextACT[b]
                earliest = min(earliest, max(t, rankBusyUntil[e.rank]))
            }
        }
        return max(earliest, now + 1)
    }

    /// The first ready command of the next queues in round-robin order (skipping `excluding`'s kind).
    mutating func nextCommand(excluding: CommandKind?) -> (command: Command, queue: Int, index: Int)? {
        let n = commandQueues.count
        for _ in 0..<n {
            queueIndex = (queueIndex + 1) % n
            let q = queueIndex
            guard !commandQueues[q].isEmpty, !refreshPending[commandQueues[q][0].rank] else { continue }
            if let (c, i) = firstReady(q, excluding: excluding) { return (c, q, i) }
        }
        return nil
    }

    /// DRAMsim3's `GetFirstReadyInQueue`: the first entry in queue order whose next command can issue now.
    /// (Elements are read in place by index: copying the queue out cost a retain and release per visit.)
    func firstReady(_ q: Int, excluding: CommandKind?) -> (Command, Int)? {
        let count = commandQueues[q].count
        for i in 0..<count {
            let e = commandQueues[q][i]
            let b = e.bank, open = openRow[b]
            if refreshPending[e.rank] { continue }
            if open == e.row {
                guard excluding != .column else { continue }
                let c: Command = e.isWrite ? .write : .read
                guard ready(c, bank: b, rank: e.rank) else { continue }
                // A write waits behind an earlier read of the same address.
                if e.isWrite {
                    var blocked = false
                    for j in 0..<i where !commandQueues[q][j].isWrite && commandQueues[q][j].address == e.address {
                        blocked = true
                        break
                    }
                    if blocked { continue }
                }
                return (c, i)
            }
            guard excluding != .row else { continue }
            if open >= 0 {
                guard ready(.precharge, bank: b, rank: e.rank) else { continue }
                var earlier = false
                for j in 0..<i where commandQueues[q][j].bank == b {
                    earlier = true
                    break
                }
                if earlier { continue }
                if rowHits[b] < 4 {
                    var pendingHits = false
                    for j in i..<count where commandQueues[q][j].bank == b && commandQueues[q][j].row == open {
                        pendingHits = true
                        break
                    }
                    if pendingHits { continue }
                }
                return (.precharge, i)
            }
            if ready(.activate, bank: b, rank: e.rank) { return (.activate, i) }
        }
        return nil
    }

    mutating func perform(_ chosen: (command: Command, queue: Int, index: Int)) {
        let e = commandQueues[chosen.queue][chosen.index]
        switch chosen.command {
        case .precharge: precharge(e.bank)
        case .activate: activate(e.bank, row: e.row, rank: e.rank, bankGroup: e.bankGroup)
        case .read, .write: readWrite(chosen.queue, chosen.index)
        }
    }

    // MARK: Commands and their timing

    func banks(ofRank r: Int) -> Range<Int> { (r * banksPerRank)..<((r + 1) * banksPerRank) }
    func sameGroup(_ b: Int, _ c: Int) -> Bool { (b % banksPerRank) / config.banksPerGroup == (c % banksPerRank) / config.banksPerGroup }

    mutating func activate(_ b: Int, row: Int, rank r: Int, bankGroup: Int) {
        let c = config
        openRow[b] = row
        rowHits[b] = 0
        stats.activates += 1
        nextACT[b] = max(nextACT[b], now + c.tRC)
        nextPRE[b] = max(nextPRE[b], now + c.tRAS)
        nextRD[b] = max(nextRD[b], now + c.activateToRead)
        nextWR[b] = max(nextWR[b], now + c.activateToWrite)
        for o in banks(ofRank: r) where o != b {
            nextACT[o] = max(nextACT[o], now + (sameGroup(o, b) ? c.tRRDL : c.tRRDS))
        }
        if let oldest = fourWindow[r].first, now >= oldest { fourWindow[r].removeFirst() }
        fourWindow[r].append(now + c.tFAW)
        if c.isGDDR {
            if let oldest = thirtyTwoWindow[r].first, now >= oldest { thirtyTwoWindow[r].removeFirst() }
            thirtyTwoWindow[r].append(now + c.t32AW)
        }
    }

    mutating func precharge(_ b: Int) {
        openRow[b] = -1
        rowHits[b] = 0
        stats.precharges += 1
        nextACT[b] = max(nextACT[b], now + config.tRP)
        if config.tPPD > 0 {
            for o in banks(ofRank: b / banksPerRank) where o != b { nextPRE[o] = max(nextPRE[o], now + config.tPPD) }
        }
    }

    mutating func readWrite(_ q: Int, _ i: Int) {
        let c = config
        let e = commandQueues[q].remove(at: i)
        queuedCommands -= 1
        let r = e.rank, b = e.bank
        let burst = c.burstCycles
        let hit = rowHits[b] != 0
        rowHits[b] += 1
        if e.isWrite {
            pendingWrites[e.address] = nil
            stats.writeCommands += 1
            if hit { stats.writeRowHits += 1 }
            nextPRE[b] = max(nextPRE[b], now + c.writeLatency + burst + c.tWR)
            for o in banks(ofRank: r) {
                let same = sameGroup(o, b)
                nextWR[o] = max(nextWR[o], now + max(burst, same ? c.tCCDL : c.tCCDS))
                nextRD[o] = max(nextRD[o], now + c.writeLatency + burst + (same ? c.tWTRL : c.tWTRS))
            }
            for other in 0..<ranks where other != r {
                for o in banks(ofRank: other) {
                    nextWR[o] = max(nextWR[o], now + burst)
                    nextRD[o] = max(nextRD[o], now + c.writeLatency + burst + c.tRTRS - c.readLatency)
                }
            }
        } else {
            stats.readCommands += 1
            if hit { stats.readRowHits += 1 }
            inFlight.append((now + c.readLatency + burst, e.address, nil))
            nextPRE[b] = max(nextPRE[b], now + c.AL + (c.tRTPTiming ?? c.tRTP))
            let readToWrite = c.readLatency + burst - c.writeLatency + c.tRTRS
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
