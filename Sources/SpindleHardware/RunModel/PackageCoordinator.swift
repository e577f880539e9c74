import SpindleCore
import SpindleEngine

/// Starts every chip over the package links and records when the last one finishes.
actor PackageCoordinator: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let controllers: [ComponentID]
    private let delaysPs: [Picoseconds]
    private let hops: [Int]
    private var finished = 0
    private var endPs: Picoseconds = 0
    private var linkBits: UInt64 = 0
    private let catalogue: CounterCatalogue

    /// Bits one control message occupies on a package link.
    static let controlMessageBits: UInt64 = 64

    init(slot: ComponentSlot, controllers: [ComponentID], delaysPs: [Picoseconds], hops: [Int], catalogue: CounterCatalogue) {
        id = slot.id
        executor = slot.executor
        self.controllers = controllers
        self.delaysPs = delaysPs
        self.hops = hops
        self.catalogue = catalogue
    }

    func handle(_ event: Event, _ context: EventContext) {
        switch event.message.messageKind {
        case .start:
            for (i, c) in controllers.enumerated() {
                context.send(to: c, after: delaysPs[i], Message(.start))
                linkBits += Self.controlMessageBits * UInt64(hops[i])
            }
        case .finished:
            let chip = controllers.firstIndex(of: ComponentID(UInt32(event.message.a)))!
            linkBits += Self.controlMessageBits * UInt64(hops[chip])
            finished += 1
            if finished == controllers.count { endPs = context.now }
        default:
            preconditionFailure("coordinator got message kind \(event.message.kind)")
        }
    }

    func finish() -> Counters {
        let k = catalogue
        return Counters([k.key(.action(.nopLinkBits)): linkBits, k.key(.runEndPs): endPs, k.key(.chipsFinished): UInt64(finished)])
    }
}
