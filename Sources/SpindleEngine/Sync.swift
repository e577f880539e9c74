import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pthread mutex and condition variable, allocated once and never moved.
final class Monitor: Sendable {
    // Safe to share: the pointers are allocated in init, freed in deinit, and only used through the
    // pthread calls below, which are themselves thread-safe.
    nonisolated(unsafe) private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    nonisolated(unsafe) private let cond: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits for a broadcast; call with the lock held.
    func wait() { pthread_cond_wait(cond, mutex) }
    func broadcast() { pthread_cond_broadcast(cond) }
    func signal() { pthread_cond_signal(cond) }
}

/// A reusable barrier for a fixed number of threads: spins briefly, then sleeps.
///
/// Spinning first matters because a window barrier is usually short (a few microseconds); sleeping
/// matters when workers outnumber cores, where spinning would steal time from the threads still working.
final class SpinBarrier: Sendable {
    let parties: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<UInt64>(0)
    private let sleepers = Atomic<Int>(0)
    private let monitor = Monitor()
    private let spinLimit: Int

    init(parties: Int, spinLimit: Int = 20_000) {
        precondition(parties >= 1)
        self.parties = parties
        self.spinLimit = spinLimit
    }

    /// Blocks until all parties have arrived. Establishes happens-before from every arrival to every return.
    func wait() {
        if parties == 1 { return }
        let gen = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            // Sequentially consistent, paired with the sleeper's increment below, so that either the
            // sleeper sees the new generation or this thread sees the sleeper (no lost wake-up).
            generation.store(gen &+ 1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                monitor.lock()
                monitor.broadcast()
                monitor.unlock()
            }
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == gen {
            spins += 1
            if spins > spinLimit {
                monitor.lock()
                sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == gen { monitor.wait() }
                sleepers.wrappingSubtract(1, ordering: .acquiringAndReleasing)
                monitor.unlock()
                return
            }
            if spins & 63 == 0 { sched_yield() }
        }
    }
}

/// Progress of one worker, read by the progress display while the run goes on.
public final class ProgressCell: Sendable {
    let time = Atomic<UInt64>(0)
    let events = Atomic<UInt64>(0)

    init() {}

    @inline(__always)
    func report(time t: UInt64, events n: UInt64) {
        time.store(t, ordering: .relaxed)
        events.wrappingAdd(n, ordering: .relaxed)
    }
}

/// Runs blocking work (a collective that waits for other processes) on a thread of its own and awaits its
/// result, so that it never holds one of Swift's cooperative threads: processes simulated as threads of one
/// process would otherwise starve each other.
public func onOwnThread<T: Sendable>(named name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}

/// Monotonic wall clock in nanoseconds.
@inline(__always)
public func monotonicNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
