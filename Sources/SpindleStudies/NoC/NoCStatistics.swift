/// The packet statistics of a NoC study, kept as BookSim2's traffic manager keeps them.
///
/// Latency, hop and accepted-flit statistics are cleared at the start of some sample periods (see
/// `NoCSampling`); during warm-up every retired packet counts, afterwards only measured ones. Flits of packets
/// that have reached the front of their source queue are in flight until they are ejected; their age enters
/// the latency threshold test.
struct NoCStatistics {
    enum State { case warmingUp, running, draining }

    var latencySum = 0, networkLatencySum = 0, hopSum = 0, samples = 0
    var minLatency = Int.max, maxLatency = 0
    var acceptedFlits = 0
    var resetTime = 0
    var inFlightFlits = 0
    /// Sum of the creation cycles of the in-flight flits.
    var inFlightCreatedSum = 0
    /// Measured packets not yet fully ejected.
    var measuredOutstanding = 0

    mutating func clear(now: Int) {
        latencySum = 0
        networkLatencySum = 0
        hopSum = 0
        samples = 0
        minLatency = .max
        maxLatency = 0
        acceptedFlits = 0
        resetTime = now
    }

    /// A packet's flits enter the network's books (it reached the front of its source queue).
    mutating func generated(packetFlits: Int, created: Int) {
        inFlightFlits += packetFlits
        inFlightCreatedSum += packetFlits * created
    }

    /// A flit reached its destination node at `now`.
    mutating func retire(_ f: NoCNetwork.Flit, at node: Int32, now: Int, state: State, packets: [NoCNetwork.Packet]) {
        let p = packets[Int(f.packet)]
        inFlightFlits -= 1
        inFlightCreatedSum -= Int(p.created)
        if state != .draining { acceptedFlits += 1 }
        guard f.tail else { return }
        if p.measured { measuredOutstanding -= 1 }
        guard state == .warmingUp || p.measured else { return }
        let latency = now - Int(p.created)
        latencySum += latency
        networkLatencySum += now - Int(p.injected)
        hopSum += Int(p.hops)
        samples += 1
        minLatency = min(minLatency, latency)
        maxLatency = max(maxLatency, latency)
    }

    /// Average packet latency of the packets retired since the last clear (NaN with none).
    var averageLatency: Double { Double(latencySum) / Double(samples) }

    /// The average latency with every in-flight flit counted at its current age, as BookSim's threshold test.
    func latencyWithInFlight(now: Int) -> Double {
        let count = samples + inFlightFlits
        guard count > 0 else { return 0 }
        return Double(latencySum + inFlightFlits * now - inFlightCreatedSum) / Double(count)
    }
}
