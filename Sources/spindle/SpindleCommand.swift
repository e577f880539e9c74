import ArgumentParser
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleScenario
import SpindleWorkload

@main
struct SpindleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spindle",
        abstract: "Simulate multi-chip DNN accelerators: where do energy and time go?",
        version: Spindle.version,
        subcommands: [RunCommand.self, MapCommand.self, SweepCommand.self, CompareCommand.self, ModelsCommand.self, CompressCommand.self, NoCCommand.self, DRAMCommand.self, ArrayCommand.self, BenchCommand.self],
        defaultSubcommand: nil)
}
