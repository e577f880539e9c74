import SpindleCore
import Testing

@testable import SpindleEngine

@Suite("Engine determinism")
struct DeterminismTests {
    let model = PHOLD(
        partitions: 6, componentsPerPartition: 24, population: 4, minDelay: 1_000, meanExtraDelay: 700,
        endTime: 400_000, seed: 42)

    @Test("PHOLD gives the same events and fingerprint for 1, 2 and 4 workers")
    func workersAgree() async throws {
        var outcomes: [PHOLD.Outcome] = []
        for workers in [1, 2, 4] {
            let sim = try model.build(options: EngineOptions(workers: workers, stopTime: model.endTime))
            let result = await sim.run()
            #expect(result.profile.activeWorkers == workers)
            outcomes.append(model.outcome(of: result))
        }
        #expect(outcomes[0].events > 10_000)
        #expect(outcomes[1] == outcomes[0])
        #expect(outcomes[2] == outcomes[0])
    }

    @Test("The engine reproduces the plain single-threaded heap loop exactly")
    func engineMatchesPlainLoop() async throws {
        let (plain, _) = model.runPlainLoop()
        let sim = try model.build(options: EngineOptions(workers: 2, stopTime: model.endTime))
        let engine = model.outcome(of: await sim.run())
        #expect(engine == plain)
    }

    @Test("A different seed changes the fingerprint (the check can fail)")
    func seedMatters() async throws {
        var other = model
        other.seed = 43
        let a = model.runPlainLoop().0
        let b = other.runPlainLoop().0
        #expect(a.fingerprint != b.fingerprint)
    }

    @Test("More workers than partitions: extra workers stay idle, result unchanged")
    func moreWorkersThanPartitions() async throws {
        var small = model
        small.partitions = 2
        let one = small.outcome(of: try await small.build(options: EngineOptions(workers: 1, stopTime: small.endTime)).run())
        let r = try await small.build(options: EngineOptions(workers: 4, stopTime: small.endTime)).run()
        #expect(r.profile.activeWorkers == 2)
        #expect(small.outcome(of: r) == one)
    }

    @Test("Windows skip idle time: a sparse model needs few windows")
    func idleTimeIsSkipped() async throws {
        // Two partitions, one event each, delays far above the lookahead: windows jump over the gaps.
        let sparse = PHOLD(
            partitions: 2, componentsPerPartition: 1, population: 1, minDelay: 1_000, meanExtraDelay: 1_000_000,
            endTime: 100_000_000, seed: 7)
        let r = try await sparse.build(options: EngineOptions(workers: 2, stopTime: sparse.endTime)).run()
        // Without skipping there would be endTime / lookahead = 100,000 windows.
        #expect(r.windows <= 2 * r.events + 2)
        #expect(sparse.outcome(of: r) == sparse.runPlainLoop().0)
    }
}

@Suite("Event ordering")
struct OrderingTests {
    @Test("Heap pops in (time, priority, source, sequence) order")
    func heapOrder() {
        var rng = RandomStream(seed: 9)
        let heap = EventHeap()
        var all: [Event] = []
        for i in 0..<2_000 {
            let e = Event(
                time: rng.nextBelow(50), priority: UInt8(rng.nextBelow(3)), source: ComponentID(UInt32(rng.nextBelow(5))),
                sequence: UInt64(i), target: ComponentID(0), message: Message(kind: 0))
            all.append(e)
            heap.push(e)
        }
        var popped: [Event] = []
        while !heap.isEmpty { popped.append(heap.pop()) }
        let expected = all.sorted { Event.precedes($0, $1) }
        #expect(popped.map(\.sequence) == expected.map(\.sequence))
        #expect(popped.first!.time == 0)
    }

    @Test("Priority and source break ties at equal time")
    func ties() {
        let a = Event(time: 5, priority: 1, source: ComponentID(0), sequence: 0, target: ComponentID(0), message: Message(kind: 0))
        let b = Event(time: 5, priority: 0, source: ComponentID(9), sequence: 0, target: ComponentID(0), message: Message(kind: 0))
        let c = Event(time: 5, priority: 0, source: ComponentID(9), sequence: 1, target: ComponentID(0), message: Message(kind: 0))
        #expect(Event.precedes(b, a))
        #expect(Event.precedes(b, c))
        #expect(!Event.precedes(c, b))
        #expect(b.source == ComponentID(9) && a.priority == 1)
    }
}

@Suite("Engine set-up errors")
struct SetupErrorTests {
    @Test("A zero-latency link across partitions is a configuration error")
    func zeroLatencyLink() throws {
        let b = try SimulationBuilder(options: EngineOptions(workers: 1))
        let p0 = b.addPartition(), p1 = b.addPartition()
        let s0 = b.makeSlot(in: p0), s1 = b.makeSlot(in: p1)
        #expect(throws: SpindleError.self) { try b.connect(s0.id, s1.id, latency: 0) }
        // Inside one partition a zero-latency link is fine.
        let s2 = b.makeSlot(in: p0)
        try b.connect(s0.id, s2.id, latency: 0)
    }

    @Test("Zero workers is rejected with a clear message")
    func zeroWorkers() {
        #expect(throws: SpindleError.self) { _ = try SimulationBuilder(options: EngineOptions(workers: 0)) }
    }

    @Test("NUMA policies parse; garbage does not")
    func numaParsing() throws {
        #expect(try NUMAPolicy.parse("auto") == .auto)
        #expect(try NUMAPolicy.parse("off") == .off)
        #expect(try NUMAPolicy.parse("0,1") == .nodes([0, 1]))
        #expect(throws: SpindleError.self) { _ = try NUMAPolicy.parse("fast") }
        #expect(throws: SpindleError.self) { _ = try NUMAPolicy.parse("0,-1") }
    }

    @Test("A NUMA node that does not exist is an error; auto never is")
    func numaNodes() throws {
        _ = try NUMA.plan(.auto, workers: 2)
        if NUMA.isAvailable {
            #expect(throws: SpindleError.self) { _ = try NUMA.plan(.nodes([NUMA.nodeCount + 3]), workers: 2) }
        } else {
            let (nodes, note) = try NUMA.plan(.nodes([0]), workers: 2)
            #expect(nodes == [nil, nil])
            #expect(note != nil)
        }
    }

    @Test("Pinned workers still give the same result")
    func pinnedRun() async throws {
        let model = PHOLD(partitions: 2, componentsPerPartition: 8, population: 2, endTime: 50_000, seed: 3)
        let pinned = try await model.build(options: EngineOptions(workers: 2, numa: .auto, stopTime: model.endTime)).run()
        #expect(model.outcome(of: pinned) == model.runPlainLoop().0)
        #expect(pinned.profile.workers.count == 2)
    }
}
