import Foundation
import SpindleCore

/// A serial executor backed by one dedicated thread: a worker of the simulation.
///
/// Every component of the partitions a worker runs reports this executor as its `unownedExecutor`, so the
/// worker can deliver events to them synchronously. The thread starts on the first job and stops when
/// the simulation ends; a later job (for example an `await` on a component after the run) starts it again.
/// Worker threads come in addition to Swift's cooperative pool and may block at window barriers.
public final class WorkerExecutor: SerialExecutor, @unchecked Sendable {  // safe: see the proof below
    // @unchecked Sendable is safe: `queue`, `running` and `stopping` are only read or written with
    // `monitor` locked; `index` and `numaNode` are immutable.
    public let index: Int
    let numaNode: Int?
    private let monitor = Monitor()
    private var queue: [UnownedJob] = []
    private var running = false
    private var stopping = false

    init(index: Int, numaNode: Int?) {
        self.index = index
        self.numaNode = numaNode
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        monitor.lock()
        queue.append(unowned)
        if !running {
            running = true
            stopping = false
            startThread()
        }
        monitor.signal()
        monitor.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread exit once its queue is empty.
    func stop() {
        monitor.lock()
        stopping = true
        monitor.signal()
        monitor.unlock()
    }

    private func startThread() {
        let thread = Thread { [self] in self.threadMain() }
        thread.name = "spindle-worker-\(index)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func threadMain() {
        if let node = numaNode { _ = NUMA.pinCurrentThread(to: node) }
        let executor = asUnownedSerialExecutor()
        while true {
            monitor.lock()
            while queue.isEmpty && !stopping { monitor.wait() }
            if queue.isEmpty {
                running = false
                monitor.unlock()
                return
            }
            let jobs = queue
            queue.removeAll(keepingCapacity: true)
            monitor.unlock()
            for job in jobs { job.runSynchronously(on: executor) }
        }
    }
}
