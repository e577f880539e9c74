import ArgumentParser
import Foundation
import SpindleCore
import SpindleDistributed
import SpindleEngine

#if canImport(Glibc)
    import Glibc
#endif

/// A command that runs across the processes of an MPI job (`mpirun -n R spindle ...`): every process runs
/// it with the job's `MPIWorld`; rank 0 prints and writes.
protocol DistributedCommand: AsyncParsableCommand {
    /// Runs the command; `world` is `nil` for a process started alone.
    func run(world: MPIWorld?) async throws
}

extension DistributedCommand {
    func run() async throws { try await run(world: nil) }
}

/// The CLI's side of distributed runs: which processes print, and agreeing on input errors.
enum Distributed {
    /// Silences stdout and stderr of every process but rank 0, so a job prints each line once; with
    /// `SPINDLE_RANK_OUTPUT=1` in the environment every rank keeps its output (to debug one rank).
    static func silenceFollowers(_ environment: LaunchEnvironment) {
        guard !environment.isLeader, ProcessInfo.processInfo.environment["SPINDLE_RANK_OUTPUT"] != "1" else { return }
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0 else { return }
        dup2(null, STDOUT_FILENO)
        dup2(null, STDERR_FILENO)
        close(null)
    }

    /// Runs `body` (the checking and preparation before a distributed run) on every process, then agrees:
    /// if it failed on any process, every process throws the failure of the lowest failing rank (printed
    /// once, by rank 0), so that no process goes on into a collective the others never reach.
    static func agree<T>(_ world: MPIWorld?, _ body: () async throws -> T) async throws -> T {
        guard let world else { return try await body() }
        var value: T?
        var failure: String?
        do {
            value = try await body()
        } catch let error as SpindleError {
            failure = error.description
        } catch let code as ExitCode {
            failure = "error: exit status \(code.rawValue)"
        } catch {
            failure = "error: \(error)"
        }
        try world.group.agree(failure)
        return value!
    }
}
