import ArgumentParser
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleWorkload

struct CompressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress real or synthetic weights with SmartDeal, OSC or a baseline, and report storage and error.",
        discussion: """
            Give a built-in model (synthetic Kaiming-normal weights, seeded) or a weight file (.npy, .npz, \
            .safetensors; every 4-D and 2-D tensor is compressed; or an .onnx model: each Conv, Gemm and MatMul \
            layer's weights). Prints per layer and in total: parameters, \
            non-zeros, bits by part, compression ratio against fp32, relative reconstruction error \
            (Frobenius) and wall time.
            """)

    @Option(help: "The compression method.")
    var method: CompressionMethod
    @Option(help: "Built-in model whose layer shapes get synthetic weights: \(ModelZoo.names.joined(separator: ", ")).")
    var model: String?
    @Argument(help: "Weight file (.npy, .npz, .safetensors) or ONNX model (.onnx) instead of --model.")
    var weights: String?
    @Option(help: "Seed of the synthetic weights.")
    var seed: UInt64 = 1
    @Option(help: "Write the compressed tensors (Ce, B, masks, values) to this .safetensors/.npz file.")
    var out: String?
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @Option(help: "SmartDeal: absolute Ce threshold.")
    var threshold: Double = 1e-3
    @Option(help: "SmartDeal: SED passes T.")
    var iterations: Int = 30
    @Option(help: "SmartDeal: structural row pruning before SED: a ratio for every conv layer, or 'reference' (CIFAR ResNet-18 list).")
    var rowPrune: String?
    @Option(
        help:
            "SmartDeal: bits per stored B entry in the storage count (32, as the reference script counts it; scenarios store B in 8 bits unless basis_bits says otherwise)."
    )
    var basisBits: Int = 32
    @Option(help: "SmartDeal and OSC: threads (default: the number of cores; results do not depend on it).")
    var threads: Int?

    @Option(help: "OSC: fraction kept per kernel (default 2/9); prune-quant: fraction kept per layer (default 0.3).")
    var keep: Double?
    @Option(help: "OSC: magnitude bits m.")
    var magBits: Int = 4
    @Option(help: "OSC: power-of-two magnitudes or uniform levels.")
    var quantizer: OSCOptions.Quantizer = .pow2
    @Option(help: "OSC: one scale per layer or per output channel.")
    var scale: OSCOptions.Scale = .layer
    @Option(help: "OSC: pseudo-kernel size for 1x1 and linear layers.")
    var group: Int = 9
    @Option(help: "OSC: index format (auto picks the smaller).")
    var index: OSCOptions.Index = .auto
    @Option(help: "prune-quant: bits per kept value.")
    var bits: Int = 8
    @Option(help: "dense: storage type.")
    var dtype: DenseStorage = .fp32
    @OptionGroup var long: LongWorkFlags

    func validate() throws {
        try CLI.check(threshold, "--threshold", 0...1e6, "SmartDeal's absolute Ce threshold")
        try CLI.check(iterations, "--iterations", 1...10_000, "SED passes")
        if let threads { try CLI.check(threads, "--threads", 1...256) }
        try CLI.check(basisBits, "--basis-bits", 1...32)
        try CLI.check(magBits, "--mag-bits", 1...15)
        try CLI.check(group, "--group", 1...1_024)
        try CLI.check(bits, "--bits", 2...16)
        if let keep { try CLI.check(keep, "--keep", 1e-6...1, "fraction kept") }
    }

    func run() async throws {
        try await CLI.guarded { try execute() }
    }

    func settings(layers: [WeightShape]) throws(SpindleError) -> CompressionSettings {
        var s = CompressionSettings(method: method)
        s.smartDeal.threshold = threshold
        s.smartDeal.iterations = iterations
        s.smartDeal.basisBits = basisBits
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        s.smartDeal.threads = threadCount
        s.osc.threads = threadCount
        if let rowPrune {
            if rowPrune == "reference" {
                guard model == "resnet18-cifar" else {
                    throw SpindleError(
                        .invalidValue, "--row-prune reference is the CIFAR ResNet-18 list",
                        hint: "Use it with --model resnet18-cifar, or give a ratio such as 0.3")
                }
                s.smartDeal.rowPrune = Dictionary(uniqueKeysWithValues: zip(layers.map(\.name), SmartDealOptions.resnet18CifarRowPrune))
            } else if let p = Double(rowPrune), p >= 0, p < 1 {
                s.smartDeal.rowPrune = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, p) })
            } else {
                throw SpindleError(
                    .invalidValue, "--row-prune '\(rowPrune)' is not understood",
                    expected: "a ratio from 0 up to, not including, 1, or 'reference'")
            }
        }
        if let keep {
            s.osc.keep = keep
            s.pruneKeep = keep
        }
        s.osc.magnitudeBits = magBits
        s.osc.quantizer = quantizer
        s.osc.scale = scale
        s.osc.index = index
        s.osc.group = group
        s.pruneBits = bits
        s.denseType = dtype.dtype
        return s
    }

    private func execute() throws {
        let layers: [(shape: WeightShape, tensor: Tensor)]
        let source: String
        switch (model, weights) {
        case (let m?, nil):
            guard let network = ModelZoo.network(named: m) else {
                throw SpindleError(.invalidValue, "--model '\(m)' is not a built-in model", choices: ModelZoo.names)
            }
            // Synthetic weights are held as 32-bit floats: refuse models whose weights would not fit.
            let bytes = Double(network.parameters) * 4
            guard bytes <= Double(ProcessInfo.processInfo.physicalMemory) / 2 else {
                throw SpindleError(
                    .capacity, "'\(m)' has \(network.parameters) weights (\(Units.formatBytes(UInt64(bytes))) as 32-bit floats)",
                    expected: "at most half of this machine's \(Units.formatBytes(ProcessInfo.processInfo.physicalMemory))",
                    hint: "Compress a smaller model, or a weight file of selected layers")
            }
            layers = Compressor.synthetic(network.weightShapes, seed: seed)
            source = "\(m) (synthetic Kaiming-normal, seed \(seed))"
        case (nil, let w?):
            layers = try Compressor.fromFile(w)
            source = w
        case (nil, nil):
            throw SpindleError(.missingKey, "give a weight file or --model NAME", choices: ModelZoo.names)
        case (.some, .some):
            throw SpindleError(.invalidValue, "give either a weight file or --model, not both")
        }
        let s = try settings(layers: layers.map(\.shape))
        if s.method == .smartdeal {
            let weights = layers.reduce(0.0) { $0 + Double($1.tensor.count) }
            try long.check(
                "SED on \(layers.count) layer(s)", units: weights * Double(iterations), unitName: "weight-passes",
                perSecond: 1.5e7 * Double(s.smartDeal.threads), hint: "Lower --iterations, or compress fewer layers")
        }
        let status = StatusLine()
        let (report, tensors) = Compressor.run(layers, settings: s, source: source, keepTensors: out != nil) { i, name in
            status.show("compressing layer \(i + 1) of \(layers.count): \(name)")
        }
        status.clear()
        if let out { try WeightFiles.write(tensors, to: out) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            FileHandle.standardOutput.write((try? encoder.encode(CompressOutput(report: report))) ?? Data())
            FileHandle.standardOutput.write(Data("\n".utf8))
            return
        }
        print("\(report.method) on \(report.source)")
        print(row(["layer", "shape", "params", "non-zeros", "codes", "index", "basis", "other", "ratio", "rel.err", "time"]))
        for l in report.layers {
            let other = (l.bits["scale"] ?? 0) + (l.bits["dense"] ?? 0)
            print(
                row([
                    l.name, l.shape.map(String.init).joined(separator: "x"), String(l.parameters), String(l.nonZeros),
                    String(l.bits["codes"] ?? 0), String(l.bits["index"] ?? 0), String(l.bits["basis"] ?? 0), String(other),
                    Units.format(l.ratio, 2) + "x", Units.format(l.relativeError, 4), Units.format(l.wallSeconds, 3) + " s",
                ]))
        }
        let parts = report.bitsByPart
        print(
            row([
                "total", "", String(report.parameters), String(report.layers.reduce(0) { $0 + $1.nonZeros }),
                String(parts["codes"] ?? 0), String(parts["index"] ?? 0), String(parts["basis"] ?? 0),
                String((parts["scale"] ?? 0) + (parts["dense"] ?? 0)), Units.format(report.ratio, 2) + "x",
                Units.format(CompressOutput.totalError(report), 4), Units.format(report.wallSeconds, 3) + " s",
            ]))
        print(
            "storage \(Units.format(Double(report.totalBits) / 8 / 1_048_576, 3)) MiB vs fp32 \(Units.format(Double(report.parameters) * 4 / 1_048_576, 3)) MiB; code width \(report.globalCodeBits) bits"
        )
        if let out { print("wrote \(out)") }
    }

    private func row(_ cells: [String]) -> String {
        let widths = [20, 14, 10, 10, 11, 10, 9, 8, 9, 8, 9]
        return zip(cells, widths).map { CLI.pad($0, $1) }.joined()
    }
}

/// The JSON of `spindle compress`.
struct CompressOutput: Encodable {
    let report: CompressionReport

    /// Parameter-weighted root of the summed squared layer errors: the network's relative error when
    /// each layer's error is relative to its own norm (an approximation used only for the summary line).
    static func totalError(_ r: CompressionReport) -> Double {
        let p = Double(max(r.parameters, 1))
        return (r.layers.reduce(0.0) { $0 + $1.relativeError * $1.relativeError * Double($1.parameters) } / p).squareRoot()
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(report.method, forKey: .method)
        try c.encode(report.source, forKey: .source)
        try c.encode(report.layers, forKey: .layers)
        try c.encode(report.parameters, forKey: .parameters)
        try c.encode(report.totalBits, forKey: .totalBits)
        try c.encode(report.bitsByPart, forKey: .bitsByPart)
        try c.encode(report.ratio, forKey: .ratio)
        try c.encode(report.globalCodeBits, forKey: .globalCodeBits)
        try c.encode(["wall_s": report.wallSeconds], forKey: .run)
    }

    enum Keys: String, CodingKey {
        case method, source, layers, parameters, ratio, run
        case totalBits = "total_bits"
        case bitsByPart = "bits_by_part"
        case globalCodeBits = "global_code_bits"
    }
}
