import ArgumentParser
import Foundation
import Spindle
import SpindleCore
import SpindleWorkload

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the built-in networks, or show one layer by layer.",
        subcommands: [ModelsList.self, ModelsShow.self], defaultSubcommand: ModelsList.self)
}

struct ModelsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The built-in networks with their totals.")
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() async throws {
        let networks = ModelZoo.names.compactMap(ModelZoo.network(named:))
        if json {
            try CLI.printJSON(
                networks.map {
                    ["name": $0.name, "layers": "\($0.layers.count)", "parameters": "\($0.parameters)", "macs": "\($0.macsPerSample)"]
                })
            return
        }
        print("model              layers       parameters        MACs (per sample)")
        for n in networks {
            print(
                CLI.pad(n.name, 19) + CLI.pad(String(n.layers.count), 7, right: true) + CLI.pad(String(n.parameters), 17, right: true)
                    + CLI.pad(String(n.macsPerSample), 25, right: true))
        }
    }
}

struct ModelsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One network's layers, shapes, MACs and parameters.")
    @Argument(help: "A built-in network, or an ONNX model file (.onnx).")
    var name: String
    @Option(help: "Transformers: tokens in the sequence the layers run over (default: the model's context).")
    var tokens: Int?
    @Option(
        name: .customLong("dim"),
        help: ArgumentHelp(
            "ONNX models: a symbolic dimension's value, as NAME=VALUE (repeatable; unset ones are 1).", valueName: "NAME=VALUE"))
    var dimensions: [String] = []
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() async throws {
        try await CLI.guarded {
            let transformer = TransformerZoo.model(named: name)
            if let tokens {
                guard transformer != nil else {
                    throw SpindleError(.invalidValue, "--tokens applies to transformers only", choices: TransformerZoo.names)
                }
                guard (1...(1 << 20)).contains(tokens) else {
                    throw SpindleError(.invalidValue, "--tokens is \(tokens)", expected: "a whole number from 1 to \(1 << 20)")
                }
            }
            var values: [String: Int] = [:]
            for d in dimensions {
                let parts = d.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, let v = Int(parts[1]), (1...(1 << 24)).contains(v) else {
                    throw SpindleError(
                        .invalidValue, "--dim '\(d)'", expected: "NAME=VALUE with VALUE from 1 to \(1 << 24), e.g. sequence=128")
                }
                values[parts[0]] = v
            }
            guard values.isEmpty || name.hasSuffix(".onnx") else {
                throw SpindleError(.invalidValue, "--dim applies to ONNX models (.onnx) only")
            }
            let reading = name.hasSuffix(".onnx") ? try ONNXModel.read(path: name, dimensions: values) : nil
            let file = reading?.network
            if let reading, !reading.dimensions.isEmpty, !json {
                print(
                    "symbolic dimensions: "
                        + reading.dimensions.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
                        + " (set with --dim NAME=VALUE)")
            }
            guard let n = file ?? transformer.map({ $0.network(tokens: tokens ?? $0.context) }) ?? ModelZoo.network(named: name) else {
                let hint = Spelling.nearest(name, in: ModelZoo.names).map { "Did you mean '\($0)'?" }
                throw SpindleError(.invalidValue, "'\(name)' is not a built-in model", choices: ModelZoo.names, hint: hint)
            }
            let sequence = tokens ?? transformer?.context ?? 1
            let summary = transformer.map { TransformerSummary($0, sequence: sequence) }
            if json {
                try CLI.printJSON(
                    ModelOutput(name: n.name, parameters: n.parameters, macs: n.macsPerSample, transformer: summary, layers: n.layers))
                return
            }
            if let summary { summary.print() }
            print("\(n.name): \(n.layers.count) layers, \(n.parameters) parameters, \(n.macsPerSample) MACs per sample")
            print(
                CLI.pad("layer", 28) + CLI.pad("kind", 8) + CLI.pad("input", 16) + CLI.pad("output", 16) + CLI.pad("kernel", 12)
                    + CLI.pad("parameters", 12, right: true) + CLI.pad("MACs", 14, right: true))
            for l in n.layers {
                let kernel =
                    l.kind == .conv2d
                    ? "\(l.kernelHeight)x\(l.kernelWidth)/"
                        + (l.strideHeight == l.strideWidth ? "\(l.strideHeight)" : "\(l.strideHeight)x\(l.strideWidth)")
                        + (l.dilationHeight * l.dilationWidth > 1 ? " d\(l.dilationHeight)x\(l.dilationWidth)" : "")
                        + (l.groups > 1 ? " g\(l.groups)" : "")
                    : (l.kind == .matmul ? "x\(l.groups)" : "")
                print(
                    CLI.pad(l.name, 28) + CLI.pad(l.kind.rawValue, 8) + CLI.pad("\(l.inChannels)x\(l.inHeight)x\(l.inWidth)", 16)
                        + CLI.pad("\(l.outChannels)x\(l.outHeight)x\(l.outWidth)", 16) + CLI.pad(kernel, 12)
                        + CLI.pad(String(l.parameters), 12, right: true) + CLI.pad(String(l.macsPerSample), 14, right: true))
            }
        }
    }
}

struct ModelOutput: Encodable {
    let name: String
    let parameters: Int
    let macs: UInt64
    let transformer: TransformerSummary?
    let layers: [Layer]
}

/// A transformer's totals: parameters by part, active parameters, FLOPs per token and KV cache.
struct TransformerSummary: Encodable {
    let model: Transformer
    let parameters: Transformer.Parameters
    let parametersTotal: Int
    let activeParametersTotal: Int
    let sequence: Int
    let trainingFLOPsPerToken: Double
    let forwardFLOPsPerToken: Double
    let kvCacheBytesPerToken: Int

    init(_ t: Transformer, sequence: Int) {
        model = t
        parameters = t.parameters
        parametersTotal = t.parameters.total
        activeParametersTotal = t.activeParameters.total
        self.sequence = sequence
        trainingFLOPsPerToken = t.trainingFLOPsPerToken(sequence: sequence)
        forwardFLOPsPerToken = trainingFLOPsPerToken / 3
        kvCacheBytesPerToken = t.kvCacheBytesPerToken
    }

    func print() {
        let t = model, p = parameters
        Swift.print(
            "\(t.name): decoder-only transformer, \(t.layers) layers, hidden \(t.hidden), \(t.heads) heads (\(t.kvHeads) key/value), "
                + "\(t.gated ? "SwiGLU" : "GELU") MLP \(t.ffn)\(t.experts > 1 ? " x \(t.experts) experts (top \(t.topK))" : ""), "
                + "vocabulary \(t.vocabulary), context \(t.context), \(t.bits)-bit")
        Swift.print(
            "  parameters \(Units.format(Double(parametersTotal) / 1e9, 4)) B: embedding \(p.embedding), positions \(p.positions), "
                + "attention \(p.attention), MLP \(p.mlp), router \(p.router), norms \(p.norms), biases \(p.biases), output head \(p.outputHead)"
        )
        if activeParametersTotal != parametersTotal {
            Swift.print("  active per token \(Units.format(Double(activeParametersTotal) / 1e9, 4)) B")
        }
        Swift.print(
            "  per token at sequence \(sequence): \(Units.format(forwardFLOPsPerToken / 1e9, 4)) GFLOP forward, "
                + "\(Units.format(trainingFLOPsPerToken / 1e9, 4)) GFLOP training; KV cache \(kvCacheBytesPerToken) bytes")
    }
}
