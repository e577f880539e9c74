import Foundation

extension NoCNetwork {
    /// Runs sample periods until BookSim2's stopping rule is met, then drains the measured packets.
    ///
    /// `progress` is told the fraction of the longest possible sampling done, every sample period.
    public mutating func run(progress: ((Double) -> Void)? = nil) -> NoCStudyResult {
        let s = config.sampling
        var state = NoCStatistics.State.warmingUp
        var converged = 0, phases = 0, clearLast = false
        var previousLatency = 0.0, previousAccepted = 0.0
        var instability: String?
        var drainTime = 0
        while phases < s.maxSamples && (state != .running || converged < 3 || s.fixed) {
            if clearLast || (state == .warmingUp && phases % 2 == 0) {
                clearLast = false
                stats.clear(now: now)
            }
            for _ in 0..<s.samplePeriod { step(state: state) }
            progress?(Double(phases + 1) / Double(s.maxSamples))
            let latency = stats.averageLatency
            let accepted = Double(stats.acceptedFlits) / Double(now - stats.resetTime) / Double(routers)
            let latencyChange = abs((latency - previousLatency) / latency)
            let acceptedChange = abs((accepted - previousAccepted) / accepted)
            previousLatency = latency
            previousAccepted = accepted
            if s.latencyThreshold >= 0 && stats.latencyWithInFlight(now: now) > s.latencyThreshold {
                instability = "the average latency exceeded latency_thres (\(s.latencyThreshold) cycles) after \(phases + 1) sample periods"
                state = .draining
                converged = 0
                break
            }
            let warming = state == .warmingUp
            let latencyMoved = (warming ? s.warmupThreshold : s.stoppingThreshold).moved(latencyChange)
            let acceptedMoved = (warming ? s.acceptedWarmupThreshold : s.acceptedStoppingThreshold).moved(acceptedChange)
            if warming {
                let done = s.warmupPeriods > 0 ? phases + 1 >= s.warmupPeriods : !latencyMoved && !acceptedMoved
                if done {
                    clearLast = true
                    state = .running
                }
            } else {
                converged = !latencyMoved && !acceptedMoved ? converged + 1 : 0
            }
            phases += 1
        }
        if state == .running {
            state = .draining
            drainTime = now
            // BookSim drains until every measured packet is out, testing the latency threshold every
            // 1,000 cycles; a cap stops a run whose threshold is disabled from spinning forever.
            let cap = now + max(100_000, 20 * s.samplePeriod)
            var steps = 0
            while stats.measuredOutstanding > 0 {
                step(state: state)
                steps += 1
                if steps % 1_000 == 0 && s.latencyThreshold >= 0 && stats.latencyWithInFlight(now: now) > s.latencyThreshold {
                    instability = "the average latency exceeded latency_thres (\(s.latencyThreshold) cycles) while draining"
                    break
                }
                if now >= cap {
                    instability = "the measured packets did not drain within \(cap - drainTime) cycles"
                    break
                }
            }
        } else if instability == nil {
            instability = "warm-up did not converge within max_samples (\(s.maxSamples)) sample periods"
            drainTime = now
        }
        let count = max(stats.samples, 1)
        let window = max(drainTime - stats.resetTime, 1)
        return NoCStudyResult(
            offeredLoad: config.offeredFlitRate, averagePacketLatency: Double(stats.latencySum) / Double(count),
            averageNetworkLatency: Double(stats.networkLatencySum) / Double(count),
            minPacketLatency: stats.samples > 0 ? stats.minLatency : 0, maxPacketLatency: stats.maxLatency,
            acceptedFlitRate: Double(stats.acceptedFlits) / Double(window) / Double(routers),
            averageHops: Double(stats.hopSum) / Double(count), measuredPackets: stats.samples, stable: instability == nil,
            instability: instability, samplePeriods: phases, cycles: now)
    }
}

extension Double {
    /// Whether a relative change exceeds this threshold (a negative threshold is never exceeded; a NaN
    /// change, from a period without samples, is not either, as in BookSim).
    fileprivate func moved(_ change: Double) -> Bool { self >= 0 && change > self }
}
