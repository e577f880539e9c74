import SpindleCore
import SpindleHardware
import SpindleWorkload

/// Places a network on a multi-chip topology: enumerates plans (data-parallel, pipeline, hybrid), builds
/// each plan's schedule (tile jobs per layer and phase, package transfers, gradient all-reduce), ranks the
/// plans with the analytic cost model by the objective, and returns the best.
///
/// Within a chip, each layer's output channels are split over the tiles (on chips of spin-crossbar tiles,
/// in blocks of one crossbar's columns); each tile is served by its nearest DRAM channel; a tile whose data
/// do not fit its buffer runs its job in passes.
public struct Mapper: Sendable {
    public var options: MappingOptions
    public init(options: MappingOptions = MappingOptions()) { self.options = options }

    public func map(
        _ network: Network, batch: Int, on topology: Topology
    ) throws(SpindleError) -> Mapping {
        guard batch >= 1 else { throw SpindleError(.invalidValue, "batch must be at least 1 (got \(batch))") }
        guard !topology.tiles.isEmpty else { throw SpindleError(.invalidValue, "topology '\(topology.name)' has no tiles to compute on") }
        guard !topology.dram.isEmpty else { throw SpindleError(.invalidValue, "topology '\(topology.name)' has no DRAM channel") }
        guard !network.layers.isEmpty else { throw SpindleError(.invalidValue, "network '\(network.name)' has no layers") }
        let chips = topology.chips
        if let k = options.split {
            guard chips % k == 0 else {
                throw SpindleError(
                    .invalidValue, "split \(k) does not divide the \(chips) chips",
                    expected: "one of " + (1...chips).filter { chips % $0 == 0 }.map(String.init).joined(separator: ", "))
            }
        }
        let model = CostModel(topology: topology, options: options)
        // Loop-nest tiles map each distinct layer shape once for every plan tried.
        let loopNestMemo = LoopNestMemo()
        var best: (mapping: Mapping, score: Double)?
        var candidates: [Mapping.Candidate] = []
        var firstError: SpindleError?
        let space = PlanSpace(options: options, network: network, chips: chips)
        // Unsplit plans first; when none fits, the fewest chips per layer that do.
        for k in space.splits where best == nil {
            for shape in try space.shapes(split: k) {
                var plan = space.plan(batch: batch, stages: shape.stages, replicas: shape.replicas, topology: topology)
                plan.split = k
                do {
                    var builder = ScheduleBuilder(
                        network: network, batch: batch, plan: plan, topology: topology, options: options, loopNestMemo: loopNestMemo)
                    var m = try builder.build()
                    let cost = model.evaluate(m.schedule)
                    m.predictedLatencyPs = cost.latencyPs
                    m.predictedEnergyPJ = cost.energyPJ
                    for r in m.rows.indices {
                        m.rows[r].predictedPs = cost.byLayerPs[m.rows[r].layer] ?? 0
                        m.rows[r].predictedPJ = cost.byLayerPJ[m.rows[r].layer] ?? 0
                    }
                    candidates.append(
                        .init(plan: plan.description, predictedPs: cost.latencyPs, predictedPJ: cost.energyPJ, infeasible: nil))
                    let score = score(cost)
                    if best == nil || score < best!.score { best = (m, score) }
                } catch {
                    candidates.append(.init(plan: plan.description, predictedPs: 0, predictedPJ: 0, infeasible: error.message))
                    if firstError == nil { firstError = error }
                }
            }
        }
        guard var chosen = best?.mapping else {
            if candidates.count > 1, let e = firstError {
                throw SpindleError(
                    e.kind,
                    "no plan fits '\(network.name)' on '\(topology.name)': "
                        + candidates.map { "\($0.plan): \($0.infeasible ?? "")" }.joined(separator: "; "),
                    hint: e.hint)
            }
            throw firstError!
        }
        chosen.candidates = candidates
        return chosen
    }

    /// A plan's score by the objective (lower is better); the other measure breaks ties.
    func score(_ cost: CostModel.Cost) -> Double {
        switch options.objective {
        case .latency: Double(cost.latencyPs) + cost.energyPJ * 1e-12
        case .energy: cost.energyPJ + Double(cost.latencyPs) * 1e-12
        case .edp: Double(cost.latencyPs) * cost.energyPJ
        }
    }
}
