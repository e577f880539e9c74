import SpindleCore
import SpindleHardware
import SpindleWorkload
import Testing

@testable import SpindleMapping

@Suite("Schedules: transfers match, tags are unique, replicas agree")
struct ScheduleBuilderTests {
    func mapping(chips: Int, batch: Int, _ configure: (inout MappingOptions) -> Void) throws -> Mapping {
        var o = MappingOptions()
        configure(&o)
        return try Mapper(options: o).map(ModelZoo.network(named: "tiny-cnn")!, batch: batch, on: smallTopology(chips: chips))
    }

    @Test("Hybrid training with split layers: every receive has one send, and no two transfers or collectives share a tag")
    func tags() throws {
        let m = try mapping(chips: 8, batch: 8) {
            $0.mode = .training
            $0.strategy = .hybrid
            $0.stages = 2
            $0.split = 2
            $0.microBatches = 2
        }
        #expect(m.plan.stages == 2 && m.plan.replicas == 2 && m.plan.split == 2)
        let chips = m.schedule.chips
        var sends: [[UInt32]: UInt64] = [:]  // [from, to, tag] -> bytes
        for (c, steps) in chips.enumerated() {
            for s in steps { for x in s.sends { #expect(sends.updateValue(x.bytes, forKey: [UInt32(c), UInt32(x.peer), x.tag]) == nil) } }
        }
        var receives = 0
        var transferTags = Set<UInt32>()
        for (c, steps) in chips.enumerated() {
            for s in steps {
                for r in s.receives {
                    receives += 1
                    #expect(sends[[UInt32(r.peer), UInt32(c), r.tag]] == r.bytes, "chip \(c) receives tag \(r.tag) from \(r.peer)")
                    transferTags.insert(r.tag)
                }
            }
        }
        #expect(receives == sends.count && receives > 0)
        // Collectives: every member runs the same one once; tag ranges are disjoint from each other and from transfers.
        var collectives: [UInt32: AllReduce] = [:]
        var runs: [UInt32: [Int]] = [:]
        for (c, steps) in chips.enumerated() {
            for s in steps {
                guard let ar = s.allReduce else { continue }
                if let seen = collectives[ar.tagBase] { #expect(seen == ar) } else { collectives[ar.tagBase] = ar }
                runs[ar.tagBase, default: []].append(c)
            }
        }
        #expect(collectives.count > 0)
        var used = transferTags
        for (base, ar) in collectives {
            #expect(runs[base]!.sorted() == ar.group.sorted())
            for t in base..<(base + UInt32(ar.rounds)) { #expect(used.insert(t).inserted, "tag \(t) used twice") }
        }
    }

    @Test("Data-parallel replicas run identical programs on their share of the batch")
    func replicas() throws {
        let m = try mapping(chips: 4, batch: 8) { $0.strategy = .dataParallel }
        let programs = m.schedule.chips
        #expect(programs.count == 4)
        for p in programs.dropFirst() { #expect(p.map(\.jobs) == programs[0].map(\.jobs)) }
        // Forward only: one label per layer, in layer order.
        #expect(m.schedule.labels.map(\.layer) == ModelZoo.network(named: "tiny-cnn")!.layers.map(\.name))
    }

    @Test("A pipeline sends each stage's outputs on, micro-batch by micro-batch, and balances the stages")
    func pipeline() throws {
        let m = try mapping(chips: 2, batch: 4) {
            $0.strategy = .pipeline
            $0.microBatches = 4
        }
        #expect(m.plan.stageLayers.count == 2 && m.plan.microBatches == 4)
        let sends = m.schedule.chips[0].flatMap(\.sends)
        #expect(sends.count == 4 && sends.allSatisfy { $0.peer == 1 })
        #expect(m.schedule.chips[1].flatMap(\.receives).count == 4)
        #expect(m.schedule.chips[1].flatMap(\.sends).isEmpty)
    }
}
