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
        print("model              layers     parameters            MACs (per sample)")
        for n in networks {
            print(
                CLI.pad(n.name, 19) + CLI.pad(String(n.layers.count), 7, right: true) + CLI.pad(String(n.parameters), 15, right: true)
                    + CLI.pad(String(n.macsPerSample), 16, right: true))
        }
    }
}

struct ModelsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One network's layers, shapes, MACs and parameters.")
    @Argument(help: "A built-in network.")
    var name: String
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() async throws {
        try await CLI.guarded {
            guard let n = ModelZoo.network(named: name) else {
                let hint = Spelling.nearest(name, in: ModelZoo.names).map { "Did you mean '\($0)'?" }
                throw SpindleError(.invalidValue, "'\(name)' is not a built-in model", choices: ModelZoo.names, hint: hint)
            }
            if json {
                try CLI.printJSON(ModelOutput(name: n.name, parameters: n.parameters, macs: n.macsPerSample, layers: n.layers))
                return
            }
            print("\(n.name): \(n.layers.count) layers, \(n.parameters) parameters, \(n.macsPerSample) MACs per sample")
            print(
                CLI.pad("layer", 28) + CLI.pad("kind", 8) + CLI.pad("input", 16) + CLI.pad("output", 16) + CLI.pad("kernel", 12)
                    + CLI.pad("parameters", 12, right: true) + CLI.pad("MACs", 14, right: true))
            for l in n.layers {
                let kernel =
                    l.kind == .conv2d
                    ? "\(l.kernel)x\(l.kernel)/\(l.stride)" + (l.groups > 1 ? " g\(l.groups)" : "")
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
    let layers: [Layer]
}
