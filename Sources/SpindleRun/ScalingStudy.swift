import Foundation
import SpindleCore
import SpindleEngine
import SpindleHardware

/// A model of a distributed run's parallel efficiency, built from one measured run on one worker.
///
/// The run measures, for each rank count, how its events fall on the ranks of the layout a distributed run
/// would use (chips in contiguous runs balanced by estimated events): per window, the busiest rank's
/// events, and the events that cross ranks (`ScalingProbe`). The model then prices a distributed run as
///
///     T(R) = t_event x sum over windows of the busiest rank's events      (compute, waiting included)
///          + windows x ceil(log2 R) x exchange                            (the per-window collective)
///          + windows with crossing events x message + crossing bytes / bandwidth
///
/// with `t_event` this run's measured wall time per event, and the exchange and network figures given
/// (measured with `spindle bench exchange`). Efficiency is T(1) / (R x T(R)). Assumptions: a rank's time
/// per event does not change with R (conservative: a rank's working set shrinks with R); the collective
/// costs one exchange per round of a log2-depth algorithm; no overlap of exchange and compute.
public enum ScalingStudy {
    /// Network figures the model uses.
    public struct Network: Sendable, Codable, Equatable {
        /// Microseconds of one window exchange between two ranks (one round of the collective).
        public var exchangeMicroseconds: Double
        /// Microseconds of one point-to-point message, and bytes per second of a rank's link.
        public var messageMicroseconds: Double
        public var bytesPerSecond: Double

        public init(exchangeMicroseconds: Double, messageMicroseconds: Double, bytesPerSecond: Double) {
            self.exchangeMicroseconds = exchangeMicroseconds
            self.messageMicroseconds = messageMicroseconds
            self.bytesPerSecond = bytesPerSecond
        }

        enum CodingKeys: String, CodingKey {
            case exchangeMicroseconds = "exchange_us"
            case messageMicroseconds = "message_us"
            case bytesPerSecond = "bytes_per_s"
        }
    }

    /// How chips are laid out on ranks.
    public enum Layout: String, Sendable, Codable {
        /// Every rank an even, contiguous share of every pipeline stage: what distributed runs use.
        case staged
        /// Contiguous runs of chips balanced by estimated events (whole stages per rank), for comparison.
        case contiguous
    }

    /// The model's answer for one rank count.
    public struct Prediction: Sendable, Codable, Equatable {
        public var ranks: Int
        public var layout: Layout
        public var measured: ScalingProbe.Figures
        /// Load balance: events / (R x sum of the busiest rank's events per window).
        public var balance: Double
        public var computeSeconds: Double
        public var exchangeSeconds: Double
        public var transferSeconds: Double
        public var seconds: Double
        public var speedup: Double
        public var efficiency: Double
        enum CodingKeys: String, CodingKey {
            case ranks, layout, measured, balance, seconds, speedup, efficiency
            case computeSeconds = "compute_s"
            case exchangeSeconds = "exchange_s"
            case transferSeconds = "transfer_s"
        }
    }

    /// The measured run and the model's predictions.
    public struct Result: Sendable, Codable, Equatable {
        public var scenario: String
        public var chips: Int
        public var events: UInt64
        public var windows: UInt64
        public var wallSeconds: Double
        public var secondsPerEvent: Double
        public var network: Network
        public var predictions: [Prediction]
        enum CodingKeys: String, CodingKey {
            case scenario, chips, events, windows, network, predictions
            case wallSeconds = "wall_s"
            case secondsPerEvent = "s_per_event"
        }
    }

    /// The rank of each chip in a distributed run of `ranks` ranks (as `AcceleratorModel.build` lays them), or
    /// in contiguous runs balanced by estimated events (`contiguous`, for comparison).
    public static func layout(_ prepared: ScenarioRunner.Prepared, ranks: Int, _ kind: Layout = .staged) -> ScalingProbe.Layout {
        let schedule = prepared.schedule, topology = prepared.scenario.topology
        let rankOf =
            kind == .contiguous
            ? BalancedContiguousPartitioner().assign(weights: EventEstimate.perChip(schedule, on: topology), workers: ranks)
            : AcceleratorModel.rankLayout(schedule, on: topology, ranks: ranks)
        return ScalingProbe.Layout(ranks: ranks, rankOf: rankOf)
    }

    /// Runs `prepared` on one worker with a probe for every rank count (in the layout distributed runs use,
    /// and with `compareContiguous` also in contiguous runs), and evaluates the model.
    public static func run(
        _ prepared: ScenarioRunner.Prepared, ranks: [Int], network: Network, compareContiguous: Bool = false
    ) async throws(SpindleError) -> Result {
        var kinds = ranks.map { (kind: Layout.staged, ranks: $0) }
        if compareContiguous { kinds += ranks.map { (kind: Layout.contiguous, ranks: $0) } }
        let layouts = kinds.map { (name: $0.kind, layout: layout(prepared, ranks: $0.ranks, $0.kind)) }
        let probe = ScalingProbe(layouts: layouts.map(\.layout))
        var options = EngineOptions(workers: 1)
        options.probe = probe
        let report = try await ScenarioRunner.run(prepared, options: options)
        let wall = report.run?.wallSeconds ?? 0
        let figures = probe.figures
        let events = figures.first?.events ?? report.events
        let windows = figures.first?.windows ?? 0
        let perEvent = wall / Double(max(events, 1))
        let predictions = zip(figures, layouts).map { f, l in
            predict(f, layout: l.name, secondsPerEvent: perEvent, serialSeconds: wall, network: network)
        }
        return Result(
            scenario: prepared.scenario.name, chips: prepared.scenario.topology.chips, events: events, windows: windows,
            wallSeconds: wall, secondsPerEvent: perEvent, network: network, predictions: predictions)
    }

    /// The model for one layout's measured figures.
    public static func predict(
        _ f: ScalingProbe.Figures, layout: Layout = .staged, secondsPerEvent: Double, serialSeconds: Double, network: Network
    ) -> Prediction {
        let rounds = f.ranks > 1 ? Double(Int.bitWidth - (f.ranks - 1).leadingZeroBitCount) : 0
        let compute = Double(f.busiestRankEventsPerWindowSum) * secondsPerEvent
        let exchange = f.ranks > 1 ? Double(f.windows) * rounds * network.exchangeMicroseconds * 1e-6 : 0
        let transfer =
            Double(f.windowsWithCut) * network.messageMicroseconds * 1e-6
            + Double(f.cutEvents) * Double(Event.wireBytes) / max(network.bytesPerSecond, 1)
        let total = compute + exchange + transfer
        let balance = Double(f.events) / (Double(f.ranks) * Double(max(f.busiestRankEventsPerWindowSum, 1)))
        let speedup = serialSeconds / max(total, 1e-12)
        return Prediction(
            ranks: f.ranks, layout: layout, measured: f, balance: balance, computeSeconds: compute, exchangeSeconds: exchange,
            transferSeconds: transfer, seconds: total, speedup: speedup, efficiency: speedup / Double(f.ranks))
    }
}
