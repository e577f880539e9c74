import SpindleCompression
import SpindleCore
import SpindleReport
import SpindleWorkload

/// The seed papers' headline claims against Spindle: SmartDeal (storage, inference and training energy on its
/// accelerator), SAC (OSC compression and its cost; power and computational efficiency of a spin chip over
/// Eyeriss on one technology basis) and the Eyeriss baseline itself (energy, DRAM traffic, speed, area).
///
/// Every figure comes from a scenario in `scenarios/papers/` (or from compressing the same seeded synthetic
/// weights); Docs/papers.md explains each row, its assumptions and sources.
public enum PapersSuite {
    /// The folder of the suite's scenarios, relative to a clone's root.
    public static let defaultDirectory = "scenarios/papers"

    /// Every row of the suite.
    public static func rows(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        var rows: [ClaimRow] = []
        rows += try await smartdealStorage(runs)
        rows += try await smartdealInference(runs)
        rows += try await smartdealTraining(runs)
        rows += try await oscCompression(runs)
        rows += try await sacEfficiency(runs)
        rows += try await eyeriss(runs)
        return rows
    }

    static let sdSource = "SmartDeal, arXiv:2101.01163 (abstract)"
    static let sacSource = "SAC, ACM TACO 10.1145/3632957 (abstract)"
    static let eyerissSource = "Eyeriss, JSSC 2017 / eyeriss.mit.edu"

    // MARK: SmartDeal

    static func sdSettings(rowPrune: [String: Double]?, ratio: Double = 0, basisBits: Int) -> CompressionSettings {
        var s = CompressionSettings(method: .smartdeal)
        s.smartDeal.basisBits = basisBits
        if let rowPrune { s.smartDeal.rowPrune = rowPrune } else { s.smartDeal.rowPruneAll = ratio }
        return s
    }

    static func smartdealStorage(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        let net = ModelZoo.network(named: "resnet18-cifar")!
        let shapes = net.weightShapes
        let reference = Dictionary(uniqueKeysWithValues: zip(shapes.map(\.name), SmartDealOptions.resnet18CifarRowPrune))
        let main = await runs.compression(shapes, settings: sdSettings(rowPrune: reference, basisBits: 32), seed: 1, source: net.name)
        let b8 = await runs.compression(shapes, settings: sdSettings(rowPrune: reference, basisBits: 8), seed: 1, source: net.name)
        let p30 = await runs.compression(shapes, settings: sdSettings(rowPrune: nil, ratio: 0.3, basisBits: 32), seed: 1, source: net.name)
        let paper = 10.56
        return [
            ClaimRow(
                id: "smartdeal.storage", claim: "SmartDeal: 10.56x reduction in storage (\(sdSource))", paper: paper,
                paperText: "10.56x", spindle: main.ratio, unit: "x",
                definition:
                    "fp32 weight bits / stored bits (Ce codes at the network's code width, 1-bit Ce index, B at 32 bits as the released code counts it)",
                scenario: "spindle compress --method smartdeal --model resnet18-cifar --row-prune reference (seed 1)", setting: .defined,
                assumptions: [
                    "CIFAR ResNet-18, the model SmartDeal's training code releases",
                    "SED at the released inference defaults (threshold 1e-3, 30 passes) on seeded Kaiming-normal weights, not trained ones",
                    "SmartDeal's released per-layer structural row-pruning list",
                ],
                sensitivity: [
                    .init(change: "B stored at 8 bits", spindle: b8.ratio, ratio: b8.ratio / paper),
                    .init(
                        change: "30 % row pruning in every conv layer instead of the released list", spindle: p30.ratio,
                        ratio: p30.ratio / paper),
                ])
        ]
    }

    /// Energy ratios of two reports: with and without DRAM.
    static func ratios(_ baseline: RunReport, _ improved: RunReport) -> (all: Double, onChip: Double) {
        let dram = { (r: RunReport) in r.energyPJ.byComponent["dram"] ?? 0 }
        return (
            baseline.energyPJ.total / improved.energyPJ.total,
            (baseline.energyPJ.total - dram(baseline)) / (improved.energyPJ.total - dram(improved))
        )
    }

    /// A change to a dense-against-SmartDeal comparison: overrides for both runs, and for the dense run alone.
    struct Variation {
        var change: String
        var both: [(String, String)] = []
        var dense: [(String, String)] = []
    }

    /// Two rows (DRAM included, excluded) of the energy ratio dense / SmartDeal of one scenario, with a
    /// sensitivity per variation.
    static func smartdealEnergyRows(
        _ runs: SuiteRuns, file: String, id: String, claim: String, paper: Double, paperText: String, what: String,
        assumptions: [String], variations: [Variation]
    ) async throws(SpindleError) -> [ClaimRow] {
        func ratio(_ v: Variation) async throws(SpindleError) -> (all: Double, onChip: Double) {
            ratios(try await runs.report(file, [("compression.method", "dense")] + v.both + v.dense), try await runs.report(file, v.both))
        }
        let main = try await ratio(Variation(change: ""))
        var changed: [(String, (all: Double, onChip: Double))] = []
        for v in variations { changed.append((v.change, try await ratio(v))) }
        return [(false, main.all), (true, main.onChip)].map { onChip, value in
            ClaimRow(
                id: id + (onChip ? ".on-chip" : ""), claim: claim, paper: paper, paperText: paperText, spindle: value, unit: "x",
                definition: "energy of \(what), dense / SmartDeal, DRAM " + (onChip ? "excluded" : "included"),
                scenario: "scenarios/papers/\(file) (and compression.method=dense)", setting: .undefined, assumptions: assumptions,
                sensitivity: changed.map { change, r in
                    let v = onChip ? r.onChip : r.all
                    return .init(change: change, spindle: v, ratio: v / paper)
                })
        }
    }

    static func smartdealInference(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        try await smartdealEnergyRows(
            runs, file: "smartdeal-inference.yaml", id: "smartdeal.inference.energy",
            claim: "SmartDeal: up to 2.44x inference energy efficiency on hardware (\(sdSource))", paper: 2.44, paperText: "up to 2.44x",
            what: "one inference",
            assumptions: [
                "the baseline: the same accelerator with dense 8-bit weights (the paper's baseline is not known)",
                "CIFAR ResNet-18 at batch 1; SmartDeal at the released row-pruning list, B at 8 bits",
                "SmartExchange's organisation (16 slices x 8 lines x 8 MACs, 500 MHz, buffers by data type); sizes assumed",
                "Horowitz 45 nm arithmetic and SRAM, LPDDR4 DRAM at 8 pJ/bit",
            ],
            variations: [
                Variation(change: "batch 8 instead of 1", both: [("batch", "8")]),
                Variation(
                    change: "half the activation rows all zero (skipped with their weight rows)",
                    both: [("tile_types.sd.zero_activation_rows", "0.5")]),
                Variation(change: "baseline at 16-bit weights and activations", dense: [("bits", "16")]),
            ])
    }

    static func smartdealTraining(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        try await smartdealEnergyRows(
            runs, file: "smartdeal-training.yaml", id: "smartdeal.training.energy",
            claim: "SmartDeal: 4.48x reduction in training energy (\(sdSource))", paper: 4.48, paperText: "4.48x",
            what: "one training iteration",
            assumptions: [
                "the baseline: dense training on the same accelerator with 8-bit weights and activations, fp32 gradients and momentum (the paper's baseline is not known)",
                "one iteration of CIFAR ResNet-18 at batch 16, momentum SGD; SmartDeal updates B in full precision and Ce by exponent shifts, with no fp copy of W",
                "SmartExchange's organisation for the accelerator; Horowitz 45 nm, LPDDR4",
            ],
            variations: [
                Variation(change: "baseline in fp32 (32-bit weights and activations)", dense: [("bits", "32")]),
                Variation(change: "8-bit weight gradients in both", both: [("training.gradient_bits", "8")]),
            ])
    }

    // MARK: SAC

    static let sacModels = ["alexnet", "vgg16", "resnet18"]

    static func oscCompression(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        var osc = CompressionSettings(method: .osc)
        osc.osc.keep = 2.0 / 9
        var one = osc
        one.osc.keep = 1.0 / 9
        var ratios: [Double] = [], ones: [Double] = []
        for name in sacModels {
            // The layers the SAC scenarios run: AlexNet's and VGG-16's convolutions (as Eyeriss), all of ResNet-18.
            var net = ModelZoo.network(named: name)!
            if name != "resnet18" { net.layers = net.layers.filter { $0.kind == .conv2d } }
            ratios.append(await runs.compression(net.weightShapes, settings: osc, seed: 1, source: name).ratio)
            ones.append(await runs.compression(net.weightShapes, settings: one, seed: 1, source: name).ratio)
        }
        // Compression cost on CIFAR ResNet-18: OSC against SED (the iterative decomposition O(T k^3) describes).
        let r18 = ModelZoo.network(named: "resnet18-cifar")!
        let costOSC = await runs.compression(r18.weightShapes, settings: osc, seed: 1, source: r18.name).layers.map(\.operations).reduce(
            0, +)
        let reference = Dictionary(uniqueKeysWithValues: zip(r18.weightShapes.map(\.name), SmartDealOptions.resnet18CifarRowPrune))
        let sed = await runs.compression(
            r18.weightShapes, settings: sdSettings(rowPrune: reference, basisBits: 32), seed: 1, source: r18.name)
        let costSED = sed.layers.map(\.operations).reduce(0, +)
        let lo = ratios.min()!, hi = ratios.max()!
        return [
            ClaimRow(
                id: "sac.osc.compression", claim: "SAC: 14x-40x compression ratio with one-step compression (\(sacSource))", paper: nil,
                paperRange: 14...40,
                paperText: "14-40x", spindle: lo, unit: "x",
                definition:
                    "fp32 weight bits / stored bits (codes, per-kernel index, scales); the lowest over AlexNet's and VGG-16's convolutions and ResNet-18 (highest \(Units.format(hi, 2))x)",
                scenario: "OSC on the seeded synthetic weights of scenarios/papers/sac-*.yaml", setting: .undefined,
                assumptions: [
                    "OSC as Spindle interprets it (the paper's algorithm is not available): 2 of 9 weights kept per kernel, 4-bit power-of-two magnitudes plus sign, the smaller of bitmap and position index"
                ],
                sensitivity: [.init(change: "1 of 9 weights kept per kernel", spindle: ones.min()!, ratio: nil)]),
            ClaimRow(
                id: "sac.osc.cost", claim: "SAC: compression complexity from O(Tk^3) to O(k^2 log k) (\(sacSource))", paper: nil,
                paperText: "O(Tk^3) -> O(k^2 log k)", spindle: Double(costSED) / Double(max(costOSC, 1)), unit: "x",
                definition: "basic operations of SED (passes actually run) / operations of OSC, over CIFAR ResNet-18",
                scenario: "SED (released defaults) and OSC on seeded synthetic weights of resnet18-cifar", setting: .undefined,
                assumptions: [
                    "operations as Spindle counts them: OSC n log2 n comparisons + 2n per kernel; SED 2 T k^3 per kernel, T the passes run"
                ]),
        ]
    }

    static func sacEfficiency(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        var rows: [ClaimRow] = []
        let assumptions = [
            "Eyeriss at 16 bits; the spin chip at 8-bit weights (OSC codes packed) and 8-bit bit-serial inputs",
            "both chips' CMOS figures scaled to 65 nm, 1.0 V (Stillmaker & Baas 2017); MRAM cells and DRAM unscaled",
            "the spin chip: 16 ISAAC-sized tiles of 96 SOT-MRAM crossbars (128x128, 2-bit cells, 6-bit ADCs), weights resident",
            "operations: 2 per dense MAC of the workload on both chips",
        ]
        // Sensitivities on AlexNet, the workload SAC's baseline numbers are best known for.
        let sacA = "sac-alexnet.yaml", eyA = "eyeriss-alexnet.yaml"
        let eyeriss = try await runs.report(eyA), sac = try await runs.report(sacA)
        let wide = try await runs.report(sacA, [("tile_types.sot-xbar.weight_bits", "16"), ("tile_types.sot-xbar.input_bits", "16")])
        let adc8 = try await runs.report(sacA, [("tile_types.sot-xbar.adc_bits", "8")])
        let ownNodes = try await runs.report(eyA, [("technology_basis.node_nm", "45")])
        let denseSpin = try await runs.report(sacA, [("compression.method", "dense")])
        let isoWidth = try await runs.report(
            sacA,
            [
                ("compression.method", "dense"), ("tile_types.sot-xbar.weight_bits", "16"), ("tile_types.sot-xbar.input_bits", "16"),
                ("tile_types.sot-xbar.adc_bits", "8"),
            ])
        let isaac = try await runs.report(sacA, [("tile_types.sot-xbar.adc_bits", "8"), ("tile_types.sot-xbar.columns_per_adc", "128")])
        for model in sacModels {
            let e = try await runs.report("eyeriss-\(model).yaml"), s = try await runs.report("sac-\(model).yaml")
            let scenario = "scenarios/papers/sac-\(model).yaml vs scenarios/papers/eyeriss-\(model).yaml"
            func power(_ a: RunReport, _ b: RunReport, onChip: Bool) -> Double {
                onChip
                    ? a.efficiency!.gopsPerWattOnChip / b.efficiency!.gopsPerWattOnChip
                    : a.efficiency!.gopsPerWatt / b.efficiency!.gopsPerWatt
            }
            for onChip in [false, true] {
                let v = power(s, e, onChip: onChip)
                // AlexNet's row shows what moves it: (change, spin chip, Eyeriss) as run.
                let changes: [(String, RunReport, RunReport)] =
                    model == "alexnet"
                    ? [
                        ("spin chip at 16-bit weights and inputs (Eyeriss's width)", wide, eyeriss),
                        ("spin chip with 8-bit ADCs", adc8, eyeriss),
                        ("Eyeriss priced at 45 nm (its table's own node)", sac, ownNodes),
                        ("spin chip without OSC (dense 8-bit weights)", denseSpin, eyeriss),
                        ("spin chip without OSC, at 16-bit weights and inputs, with 8-bit ADCs", isoWidth, eyeriss),
                    ] : []
                let sens = changes.map { change, spin, baseline in
                    let r = power(spin, baseline, onChip: onChip)
                    return ClaimRow.Sensitivity(change: change, spindle: r, ratio: r / 2)
                }
                rows.append(
                    ClaimRow(
                        id: "sac.power.\(model)" + (onChip ? ".on-chip" : ""),
                        claim: "SAC: 2x power efficiency over Eyeriss (\(sacSource))",
                        paper: 2, paperText: "2x", spindle: v, unit: "x",
                        definition: "GOPS/W of the spin chip / GOPS/W of Eyeriss on \(model), DRAM " + (onChip ? "excluded" : "included"),
                        scenario: scenario, setting: .undefined, assumptions: assumptions, sensitivity: sens))
            }
            let area = s.efficiency!.gopsPerMM2! / e.efficiency!.gopsPerMM2!
            let published = s.efficiency!.gopsPerMM2! / (e.efficiency!.gops / eyerissCoreMM2)
            var computeSensitivity: [ClaimRow.Sensitivity] = [
                .init(
                    change: "Eyeriss at its published core area (12.25 mm2) instead of the itemised one", spindle: published,
                    ratio: published / 5)
            ]
            if model == "alexnet" {
                let v = isaac.efficiency!.gopsPerMM2! / e.efficiency!.gopsPerMM2!
                computeSensitivity.append(
                    .init(change: "ISAAC's periphery on the spin chip: one 8-bit ADC per 128 columns", spindle: v, ratio: v / 5))
            }
            rows.append(
                ClaimRow(
                    id: "sac.compute.\(model)", claim: "SAC: 5x computational efficiency over Eyeriss (\(sacSource))", paper: 5,
                    paperText: "5x",
                    spindle: area, unit: "x",
                    definition:
                        "achieved GOPS per mm2 of core (Spindle's itemised area model, both chips at 65 nm), spin chip / Eyeriss, on \(model)",
                    scenario: scenario, setting: .undefined,
                    assumptions: assumptions + [
                        "the area model itemises MACs, register files, buffers, crossbar cells and periphery, routers; it leaves out control and layout (Eyeriss: 27 % of its core)"
                    ],
                    sensitivity: computeSensitivity))
        }
        return rows
    }

    // MARK: Eyeriss

    /// Eyeriss's core area: 0.073 mm2 per multiplier x 168 (eyeriss.mit.edu benchmarking).
    public static let eyerissCoreMM2 = 0.073 * 168

    static func eyeriss(_ runs: SuiteRuns) async throws(SpindleError) -> [ClaimRow] {
        let alex = try await runs.report("eyeriss-alexnet.yaml"), vgg = try await runs.report("eyeriss-vgg16.yaml")
        let alexOwn = try await runs.report("eyeriss-alexnet.yaml", [("technology_basis.node_nm", "45")])
        func dramPerMAC(_ r: RunReport) -> Double {
            Double(r.dataBytes.dramRead + r.dataBytes.dramWrite) / 2 / Double(max(r.efficiency!.workloadMACs, 1))
        }
        let assumptions = [
            "the Eyeriss-like chip: 168 ideal 16-bit PEs at 200 MHz, 108 KiB buffer, 4 register-file accesses per MAC",
            "nn_dataflow's normalised costs (DRAM 200 : buffer 6 : NoC 2 : RF 1 : MAC 1) anchored at a 2.2 pJ 16-bit MAC (45 nm), scaled to 65 nm, 1.0 V",
        ]
        let area = alex.area?.coreMM2 ?? 0
        return [
            ClaimRow(
                id: "eyeriss.alexnet.energy", claim: "Eyeriss: AlexNet CONV layers at 278 mW and 35 frames/s, batch 4 (\(eyerissSource))",
                paper: 278 / (35 * 666e6) * 1e9, paperText: "278 mW / (35 fps x 666 M MAC) = 11.9 pJ/MAC",
                spindle: alex.efficiency!.pjPerMACOnChip,
                unit: "pJ/MAC", definition: "chip energy per MAC, DRAM excluded", scenario: "scenarios/papers/eyeriss-alexnet.yaml",
                setting: .defined, assumptions: assumptions,
                sensitivity: [
                    .init(
                        change: "priced at the table's own 45 nm", spindle: alexOwn.efficiency!.pjPerMACOnChip,
                        ratio: alexOwn.efficiency!.pjPerMACOnChip / (278 / (35 * 666e6) * 1e9))
                ]),
            ClaimRow(
                id: "eyeriss.vgg16.energy", claim: "Eyeriss: VGG-16 CONV layers at 236 mW and 0.7 frames/s, batch 3 (\(eyerissSource))",
                paper: 236 / (0.7 * 15.3e9) * 1e9, paperText: "236 mW / (0.7 fps x 15.3 G MAC) = 22 pJ/MAC",
                spindle: vgg.efficiency!.pjPerMACOnChip,
                unit: "pJ/MAC", definition: "chip energy per MAC, DRAM excluded", scenario: "scenarios/papers/eyeriss-vgg16.yaml",
                setting: .defined, assumptions: assumptions),
            ClaimRow(
                id: "eyeriss.alexnet.dram", claim: "Eyeriss: 0.0029 DRAM accesses per MAC on AlexNet CONV layers (\(eyerissSource))",
                paper: 0.0029,
                paperText: "0.0029", spindle: dramPerMAC(alex), unit: "accesses/MAC",
                definition: "16-bit DRAM words read and written / MACs", scenario: "scenarios/papers/eyeriss-alexnet.yaml",
                setting: .defined,
                assumptions: assumptions + [
                    "Spindle's mapper tiles layers to the 108 KiB buffer; Eyeriss also run-length compresses activations"
                ]),
            ClaimRow(
                id: "eyeriss.vgg16.dram", claim: "Eyeriss: 0.0035 DRAM accesses per MAC on VGG-16 CONV layers (\(eyerissSource))",
                paper: 0.0035,
                paperText: "0.0035", spindle: dramPerMAC(vgg), unit: "accesses/MAC",
                definition: "16-bit DRAM words read and written / MACs", scenario: "scenarios/papers/eyeriss-vgg16.yaml", setting: .defined,
                assumptions: assumptions),
            ClaimRow(
                id: "eyeriss.alexnet.speed", claim: "Eyeriss: 35 frames/s on AlexNet CONV layers (\(eyerissSource))", paper: 35,
                paperText: "35 fps",
                spindle: alex.throughput, unit: "frames/s", definition: "batch / simulated latency",
                scenario: "scenarios/papers/eyeriss-alexnet.yaml",
                setting: .defined,
                assumptions: assumptions + [
                    "Spindle's PE array is ideal: every PE busy whenever data is in, no row-stationary mapping fragmentation"
                ]),
            ClaimRow(
                id: "eyeriss.vgg16.speed", claim: "Eyeriss: 0.7 frames/s on VGG-16 CONV layers (\(eyerissSource))", paper: 0.7,
                paperText: "0.7 fps",
                spindle: vgg.throughput, unit: "frames/s", definition: "batch / simulated latency",
                scenario: "scenarios/papers/eyeriss-vgg16.yaml",
                setting: .defined,
                assumptions: assumptions + [
                    "Spindle's PE array is ideal: every PE busy whenever data is in, no row-stationary mapping fragmentation"
                ]),
            ClaimRow(
                id: "eyeriss.area", claim: "Eyeriss: core area 0.073 mm2 per multiplier, 168 multipliers (\(eyerissSource))",
                paper: eyerissCoreMM2,
                paperText: "12.26 mm2 (65 nm)", spindle: area, unit: "mm2",
                definition: "Spindle's itemised core area (MACs, register files, buffer) at 65 nm",
                scenario: "topologies/eyeriss-like.yaml priced at 65 nm (scenarios/papers/eyeriss-alexnet.yaml)", setting: .defined,
                assumptions: [
                    "component areas from Accelergy's Eyeriss-like estimate (45 nm: Aladdin tables, CACTI), scaled to 65 nm (Stillmaker & Baas 2017)",
                    "control, the multicast NoC, clock and power distribution and placement density are not itemised",
                ]),
        ]
    }
}
