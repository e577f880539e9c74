import ArgumentParser
import Spindle

@main
struct SpindleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spindle",
        abstract: "Simulate multi-chip DNN accelerators: where do energy and time go?",
        version: Spindle.version,
        subcommands: [RunCommand.self, CompressCommand.self, NoCCommand.self, DRAMCommand.self, ArrayCommand.self, BenchCommand.self],
        defaultSubcommand: nil)
}
