import SpindleCore

/// Measures a process group's window exchange alone: every process sends the same number of events to
/// every other process each window, as the engine would, and nothing else happens.
public enum ExchangeBenchmark {
    /// One measurement.
    public struct Result: Sendable, Codable, Equatable {
        /// Events each process sends to each other process per window.
        public var eventsPerPeer: Int
        public var windows: Int
        /// Wall microseconds per window (the whole exchange), and the two parts.
        public var microsecondsPerWindow: Double
        public var reduceMicroseconds: Double
        public var transferMicroseconds: Double
        /// Bytes this process sent per second of exchange.
        public var bytesPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case windows
            case eventsPerPeer = "events_per_peer"
            case microsecondsPerWindow = "us_per_window"
            case reduceMicroseconds = "reduce_us"
            case transferMicroseconds = "transfer_us"
            case bytesPerSecond = "bytes_per_s"
        }
    }

    /// Runs `windows` exchanges (after a tenth as many to warm up) on `group`; a collective.
    public static func run(group: any ProcessGroup, windows: Int, eventsPerPeer: Int) -> Result {
        let others = (0..<group.size).filter { $0 != group.rank }
        let template = Event(
            time: 1, priority: 0, source: ComponentID(UInt32(group.rank)), sequence: 0, target: ComponentID(0),
            message: Message(kind: 1))
        var outgoing: [[Event]] = Array(repeating: [], count: group.size)
        var incoming: [Event] = []
        func round(_ n: Int, _ timing: inout ExchangeTiming) {
            for _ in 0..<n {
                for q in others { outgoing[q].append(contentsOf: repeatElement(template, count: eventsPerPeer)) }
                _ = group.exchange(outgoing: &outgoing, localNext: 1, incoming: &incoming, timing: &timing)
                precondition(incoming.count == eventsPerPeer * others.count, "the exchange lost events")
                incoming.removeAll(keepingCapacity: true)
            }
        }
        var warm = ExchangeTiming()
        round(max(1, windows / 10), &warm)
        var timing = ExchangeTiming()
        let t0 = monotonicNs()
        round(windows, &timing)
        let seconds = Double(monotonicNs() - t0) / 1e9
        return Result(
            eventsPerPeer: eventsPerPeer, windows: windows, microsecondsPerWindow: seconds * 1e6 / Double(windows),
            reduceMicroseconds: Double(timing.reduceNs) / 1e3 / Double(windows),
            transferMicroseconds: Double(timing.transferNs) / 1e3 / Double(windows),
            bytesPerSecond: Double(timing.bytesSent) / max(seconds, 1e-9))
    }
}
