import SpindleCore
import SpindleEngine

/// One tile job as the controller issues it, with component ids resolved.
struct ResolvedJob: Sendable {
    var tile: ComponentID
    var dram: ComponentID
    var weightBytes: UInt64
    var inputBytes: UInt64
    var outputBytes: UInt64
    var macs: UInt64
    var rebuildOps: UInt64
    var gemm: (window: Int, filters: Int, pixels: Int)
}

/// A chip's controller: issues each layer step's jobs (over control wires) and starts the next step when
/// every tile's outputs are back in DRAM.
actor ChipController: Component {
    nonisolated let id: ComponentID
    private nonisolated let executor: WorkerExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let steps: [[ResolvedJob]]
    private let coordinator: ComponentID
    private let controlLatencyPs: Picoseconds
    private let packageLatencyPs: Picoseconds
    private var step = 0
    private var outstanding = 0
    private var marks = Counters()

    init(slot: ComponentSlot, steps: [[ResolvedJob]], coordinator: ComponentID, controlLatencyPs: Picoseconds,
         packageLatencyPs: Picoseconds) {
        id = slot.id
        executor = slot.executor
        self.steps = steps
        self.coordinator = coordinator
        self.controlLatencyPs = controlLatencyPs
        self.packageLatencyPs = packageLatencyPs
    }

    func handle(_ event: Event, _ context: EventContext) {
        switch event.message.kind {
        case HW.start:
            step = 0
            issue(context)
        case HW.flowDone:
            outstanding -= 1
            if outstanding == 0 {
                marks[Self.key(step, "end_ps")] = context.now
                step += 1
                issue(context)
            }
        default:
            preconditionFailure("controller got message kind \(event.message.kind)")
        }
    }

    static func key(_ step: Int, _ what: String) -> String { ChipControllerKeys.key(step, what) }

    private func issue(_ context: EventContext) {
        guard step < steps.count else {
            context.send(to: coordinator, after: packageLatencyPs, Message(kind: HW.finished, a: UInt64(id.raw)))
            return
        }
        marks[Self.key(step, "start_ps")] = context.now
        let jobs = steps[step]
        outstanding = jobs.count
        for j in jobs {
            precondition(j.outputBytes > 0, "a tile job must write outputs")
            if j.gemm.window > 0 {
                context.send(
                    to: j.tile, after: controlLatencyPs,
                    Message(kind: HW.shape, a: UInt64(j.gemm.window), b: UInt64(j.gemm.filters), c: UInt64(j.gemm.pixels)))
            }
            if j.rebuildOps > 0 {
                // Sent first (same time, earlier sequence): the tile reads it before the job.
                context.send(to: j.tile, after: controlLatencyPs, Message(kind: HW.rebuild, a: j.rebuildOps))
            }
            context.send(
                to: j.tile, after: controlLatencyPs,
                Message(kind: HW.job, tag: j.dram.raw, a: j.weightBytes + j.inputBytes, b: j.macs, c: j.outputBytes))
            if j.weightBytes > 0 {
                context.send(
                    to: j.dram, after: controlLatencyPs,
                    Message(kind: HW.readRequest, tag: HW.weights, a: UInt64(j.tile.raw), b: j.weightBytes))
            }
            if j.inputBytes > 0 {
                context.send(
                    to: j.dram, after: controlLatencyPs,
                    Message(kind: HW.readRequest, tag: HW.inputs, a: UInt64(j.tile.raw), b: j.inputBytes))
            }
        }
        if jobs.isEmpty { step += 1; issue(context) }
    }

    func finish() -> Counters { marks }
}

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

    /// Bits one control message occupies on a package link.
    static let controlMessageBits: UInt64 = 64

    init(slot: ComponentSlot, controllers: [ComponentID], delaysPs: [Picoseconds], hops: [Int]) {
        id = slot.id
        executor = slot.executor
        self.controllers = controllers
        self.delaysPs = delaysPs
        self.hops = hops
    }

    func handle(_ event: Event, _ context: EventContext) {
        switch event.message.kind {
        case HW.start:
            for (i, c) in controllers.enumerated() {
                context.send(to: c, after: delaysPs[i], Message(kind: HW.start))
                linkBits += Self.controlMessageBits * UInt64(hops[i])
            }
        case HW.finished:
            let chip = controllers.firstIndex(of: ComponentID(UInt32(event.message.a)))!
            linkBits += Self.controlMessageBits * UInt64(hops[chip])
            finished += 1
            if finished == controllers.count { endPs = context.now }
        default:
            preconditionFailure("coordinator got message kind \(event.message.kind)")
        }
    }

    func finish() -> Counters {
        Counters(["nop.link.bits": linkBits, "run.end_ps": endPs, "run.chips_finished": UInt64(finished)])
    }
}

/// Names of the counters a chip controller reports for each layer step.
public enum ChipControllerKeys {
    /// `step.0003.start_ps` and `step.0003.end_ps` for step 3.
    public static func key(_ step: Int, _ what: String) -> String {
        let s = String(step)
        return "step." + String(repeating: "0", count: max(0, 4 - s.count)) + s + "." + what
    }
}
