import SpindleCore
import SpindleHardware
import Testing

@Suite("Loop-nest mapper: dataflows on a storage hierarchy")
struct LoopNestMapperTests {
    typealias D = ConvolutionShape

    /// A global buffer over 16 PEs with 64-word register files keeping every data space, DRAM above; energies
    /// in the proportions of Eyeriss's normalised costs (DRAM 200, buffer 6, register file 1, MAC 1).
    func hierarchy(_ flow: LoopNestDataflow, rf: Int = 64) -> (StorageHierarchy, (Action) -> Double) {
        let h = StorageHierarchy(
            levels: [
                .init(name: "GB", instances: 1, blockWords: 4, capacityWords: 32_768),
                .init(name: "RF", instances: 16, blockWords: 1, capacityWords: rf),
            ], macUnits: 16, wordBits: 8, dataflow: flow)
        let price: (Action) -> Double = { a in
            switch a {
            case .dramReadBits, .dramWriteBits: 200.0 / 8
            case .storage(let level, let access): access == .leak ? 0 : level == "GB" ? 24 : 1
            default: 1
            }
        }
        return (h, price)
    }

    /// Per level (DRAM first), the words of each kept data space's tile under `mapping`.
    func tiles(_ shape: ConvolutionShape, _ mapping: LoopNestMapping) -> [[Double]] {
        let problem = shape.problem
        var extent = [Int](repeating: 1, count: problem.dimensions.count)
        var out: [[Double]] = []
        for level in mapping.loops.indices.reversed() {
            for l in mapping.loops[level] { extent[l.dimension] *= l.bound }
            out.append(
                problem.dataSpaces.enumerated().map { k, ds in
                    mapping.keeps[level][k]
                        ? ds.axes.reduce(1.0) { v, axis in v * Double(axis.reduce(1) { $0 + $1.coefficient * (extent[$1.dimension] - 1) }) }
                        : 0
                })
        }
        return out.reversed()
    }

    @Test(
        "Random shapes under each dataflow: factors multiply to the bounds, tiles fit, loops obey the dataflow, energy at most the untiled mapping's"
    )
    func randomShapes() throws {
        var rng = RandomStream(seed: 17)
        for _ in 0..<24 {
            let k = [1, 3, 5][Int(rng.next() % 3)]
            let shape = ConvolutionShape(
                filterWidth: k, filterHeight: k, outputWidth: 1 + Int(rng.next() % 28), outputHeight: 1 + Int(rng.next() % 28),
                channels: 1 + Int(rng.next() % 96), filters: 1 + Int(rng.next() % 96), samples: 1 + Int(rng.next() % 2),
                strideWidth: 1 + Int(rng.next() % 2), strideHeight: 1)
            for flow in LoopNestDataflow.allCases {
                let (h, price) = hierarchy(flow)
                let arch = h.architecture(price: price)
                let m = try LoopNestMapper.map(shape, on: arch, keeps: h.keeps, dataflow: flow)
                let r = try LoopNestAnalysis.analyse(shape.problem, arch, m)  // throws unless the factors multiply to the bounds
                #expect(r.computes == Double(shape.macs))
                for (level, words) in tiles(shape, m).enumerated() {
                    if let capacity = arch.storage[level].capacityWords {
                        #expect(words.reduce(0, +) <= Double(capacity), "\(flow) \(shape.bounds) level \(level)")
                    }
                }
                let innermost = m.loops.last!.filter { !$0.spatial }.map(\.dimension)
                #expect(innermost.allSatisfy { flow.innermostDimensions.contains($0) }, "\(flow) \(innermost)")
                #expect(m.loops.joined().filter(\.spatial).allSatisfy { flow.spatialDimensions.contains($0.dimension) })
                // The same spatial loops with every temporal loop in DRAM.
                var untiled = m
                untiled.loops = m.loops.map { $0.filter(\.spatial) }
                for d in 0..<7 {
                    let rest = shape.bounds[d] / m.loops.joined().filter { $0.spatial && $0.dimension == d }.reduce(1) { $0 * $1.bound }
                    if rest > 1 { untiled.loops[0].insert(.init(dimension: d, bound: rest, spatial: false), at: 0) }
                }
                let baseline = try LoopNestAnalysis.analyse(shape.problem, arch, untiled)
                #expect(r.energyPJ <= baseline.energyPJ * (1 + 1e-9), "\(flow) \(shape.bounds)")
            }
        }
    }

    @Test(
        "The dataflow sets the reuse: weight-stationary refills the register files with fewer weights, output-stationary sends fewer partial sums up"
    )
    func reuseFollowsTheDataflow() throws {
        let shape = ConvolutionShape(
            filterWidth: 3, filterHeight: 3, outputWidth: 14, outputHeight: 14, channels: 64, filters: 64, samples: 1)
        var result: [LoopNestDataflow: LoopNestResult] = [:]
        for flow in LoopNestDataflow.allCases {
            let (h, price) = hierarchy(flow)
            let arch = h.architecture(price: price)
            result[flow] = try LoopNestAnalysis.analyse(
                shape.problem, arch, LoopNestMapper.map(shape, on: arch, keeps: h.keeps, dataflow: flow))
        }
        func stat(_ flow: LoopNestDataflow, _ level: Int, _ space: D.DataSpace) -> LoopNestResult.DataSpaceStats {
            let l = result[flow]!.levels[level]
            return l.dataSpaces.first { $0.name == space.name }!
        }
        func perMAC(_ x: Double, _ flow: LoopNestDataflow, _ level: Int) -> Double {
            x * Double(result[flow]!.levels[level].utilizedInstances) / Double(shape.macs)
        }
        let ws = perMAC(stat(.weightStationary, 2, .weights).fills, .weightStationary, 2)
        let os = perMAC(stat(.outputStationary, 2, .weights).fills, .outputStationary, 2)
        #expect(ws < os, "register-file weight fills per MAC: WS \(ws), OS \(os)")
        // Output-stationary register files accumulate a reduction before sending the sums up; input-stationary
        // ones send them up after every input (a PE splitting channels is summed with its neighbours free of
        // charge, as in Timeloop's dense model, so weight-stationary sends few sums up as well).
        let osUp = perMAC(stat(.outputStationary, 1, .outputs).updates, .outputStationary, 1)
        let isUp = perMAC(stat(.inputStationary, 1, .outputs).updates, .inputStationary, 1)
        #expect(osUp < isUp, "buffer partial-sum updates per MAC: OS \(osUp), IS \(isUp)")
        // Input-stationary register files are refilled with fewer inputs than output-stationary ones.
        let isIn = perMAC(stat(.inputStationary, 2, .inputs).fills, .inputStationary, 2)
        let osIn = perMAC(stat(.outputStationary, 2, .inputs).fills, .outputStationary, 2)
        #expect(isIn < osIn, "register-file input fills per MAC: IS \(isIn), OS \(osIn)")
        // Every dataflow computes the same MACs in the same number of cycles on 16 PEs or more.
        #expect(Set(result.values.map(\.computes)).count == 1)
    }

    @Test("A register file too small for one tile of what it keeps is an error naming it, not a crash")
    func tooSmall() {
        let shape = ConvolutionShape(filterWidth: 3, filterHeight: 3, outputWidth: 8, outputHeight: 8, channels: 8, filters: 8, samples: 1)
        let (h, price) = hierarchy(.outputStationary, rf: 2)
        do {
            _ = try LoopNestMapper.map(shape, on: h.architecture(price: price), keeps: h.keeps, dataflow: .outputStationary)
            Issue.record("a 2-word register file keeping three data spaces was mapped")
        } catch {
            #expect(error.message.contains("'RF'"))
        }
    }

    @Test("A level's constraints bind the mapper: its fan-outs split only their dimensions, and it loops only over its own")
    func constraints() throws {
        let shape = ConvolutionShape(
            filterWidth: 3, filterHeight: 3, outputWidth: 28, outputHeight: 28, channels: 32, filters: 32, samples: 1)
        var (h, price) = hierarchy(.weightStationary)
        h.levels[0].constraints = LoopNestConstraints(fanouts: [.init(size: 4, dimensions: [D.q]), .init(size: 4, dimensions: [D.s, D.m])])
        h.levels[1].constraints = LoopNestConstraints(temporal: [D.r, D.c])
        let arch = h.architecture(price: price)
        let m = try LoopNestMapper.map(shape, on: arch, keeps: h.keeps, dataflow: .weightStationary, constraints: h.constraints)
        // Q splits 4 ways (28 = 4 x 7), then S 3 ways; the rest of the second fan-out finds no divisor of M below 2.
        #expect(m.loops[1].filter(\.spatial).map { [$0.dimension, $0.bound] } == [[D.q, 4], [D.s, 3]])
        #expect(m.loops[2].allSatisfy { !$0.spatial && [D.r, D.c].contains($0.dimension) }, "\(m.loops[2])")
        _ = try LoopNestAnalysis.analyse(shape.problem, arch, m)
    }
}
