import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleMapping

@Suite("Plan space and stage balancing")
struct PlanSpaceTests {
    let network = ModelZoo.network(named: "tiny-cnn")!

    func shapes(_ strategy: MappingOptions.Strategy, chips: Int, stages: Int? = nil, split: Int = 1) throws -> [[Int]] {
        var o = MappingOptions()
        o.strategy = strategy
        o.stages = stages
        return try PlanSpace(options: o, network: network, chips: chips).shapes(split: split).map { [$0.stages, $0.replicas] }
    }

    @Test("Each strategy allows the shapes it names")
    func strategies() throws {
        #expect(try shapes(.dataParallel, chips: 4) == [[1, 4]])
        #expect(try shapes(.pipeline, chips: 4) == [[4, 1]])
        #expect(try shapes(.auto, chips: 4) == [[1, 4], [2, 2], [4, 1]])
        #expect(try shapes(.hybrid, chips: 8, stages: 2) == [[2, 4]])
        #expect(try shapes(.auto, chips: 8, split: 2) == [[1, 4], [2, 2], [4, 1]])
        // tiny-cnn has 5 layers: no more stages than layers.
        #expect(try shapes(.auto, chips: 8) == [[1, 8], [2, 4], [4, 2]])
        #expect(throws: SpindleError.self) { try shapes(.pipeline, chips: 8) }
        #expect(throws: SpindleError.self) { try shapes(.hybrid, chips: 8, stages: 3) }
    }

    @Test("Balanced stages: the smallest largest stage, by hand and against every possible cut")
    func balance() {
        #expect(PlanSpace.balance([1, 1, 1, 1], stages: 2) == [0..<2, 2..<4])
        #expect(PlanSpace.balance([5, 1, 1, 1, 1, 1], stages: 2) == [0..<1, 1..<6])
        #expect(PlanSpace.balance([1, 2, 3, 4, 5], stages: 3) == [0..<3, 3..<4, 4..<5])
        var rng = RandomStream(seed: 7)
        for _ in 0..<200 {
            let n = 1 + Int(rng.nextBelow(7))
            let weights = (0..<n).map { _ in Double(1 + rng.nextBelow(20)) }
            let stages = 1 + Int(rng.nextBelow(UInt64(n)))
            let ranges = PlanSpace.balance(weights, stages: stages)
            #expect(ranges.count == stages && ranges.first?.lowerBound == 0 && ranges.last?.upperBound == n)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
            let largest = ranges.map { r in r.reduce(0.0) { $0 + weights[$1] } }.max()!
            #expect(largest == bruteForce(weights, stages: stages), "\(weights) in \(stages)")
        }
    }

    /// The smallest largest stage over every way of cutting `w` into `stages` non-empty runs.
    func bruteForce(_ w: [Double], stages: Int) -> Double {
        if stages == 1 { return w.reduce(0, +) }
        var best = Double.infinity
        for cut in 1..<w.count where w.count - cut >= stages - 1 {
            best = min(best, max(w[..<cut].reduce(0, +), bruteForce(Array(w[cut...]), stages: stages - 1)))
        }
        return best
    }
}
