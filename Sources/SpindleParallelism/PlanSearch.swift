import SpindleCore
import SpindleWorkload

/// Enumerates the training plans of a transformer on a cluster and ranks them by estimated iteration time,
/// plans that fit in memory first.
///
/// Tensor parallelism stays inside a node and divides the heads; pipeline stages divide the chips and are at
/// most the layers; data parallelism takes the rest and divides the global batch; micro-batches of 1, 2, 4,
/// 8 or 16 sequences divide a replica's share; experts spread over a divisor of the replicas that divides the
/// experts; every recomputation choice; ZeRO 0-3 (2 and 3 only without pipelining, as DeepSpeed allows);
/// sequence parallelism whenever tensor parallelism is used.
public enum PlanSearch {
    public static func candidates(_ model: Transformer, sequence: Int, globalBatch: Int, cluster: ClusterSpec) -> [IterationEstimate] {
        let n = cluster.chips
        func divisors(_ x: Int) -> [Int] { (1...max(1, x)).filter { x % $0 == 0 } }
        var out: [IterationEstimate] = []
        for t in divisors(n) where t <= cluster.chipsPerNode && model.heads % t == 0 {
            for p in divisors(n / t) where p <= model.layers {
                let d = n / (t * p)
                guard globalBatch % d == 0 else { continue }
                let perReplica = globalBatch / d
                for mbs in [1, 2, 4, 8, 16] where perReplica % mbs == 0 {
                    let experts = model.experts > 1 ? divisors(d).filter { model.experts % $0 == 0 } : [1]
                    for e in experts {
                        for recompute in ParallelismPlan.Recompute.allCases {
                            for zero in 0...3 where p == 1 || zero <= 1 {
                                var plan = ParallelismPlan(
                                    tensor: t, pipeline: p, data: d, expert: e, microBatchSize: mbs, microBatches: perReplica / mbs)
                                plan.recompute = recompute
                                plan.zero = zero
                                plan.sequenceParallel = t > 1
                                out.append(IterationEstimate(model, sequence: sequence, plan: plan, cluster: cluster))
                            }
                        }
                    }
                }
            }
        }
        return out.sorted { a, b in
            if a.fits != b.fits { return a.fits }
            if a.fits { return a.seconds < b.seconds || (a.seconds == b.seconds && a.plan.description < b.plan.description) }
            return a.memory.total < b.memory.total || (a.memory.total == b.memory.total && a.plan.description < b.plan.description)
        }
    }
}
