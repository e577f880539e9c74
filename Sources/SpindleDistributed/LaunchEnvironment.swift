import Foundation

/// What the environment says about how this process was started: alone, or as one of the processes of a
/// launcher (`mpirun`, `srun`, `mpiexec`). Read before MPI starts, so that only rank 0 prints.
public struct LaunchEnvironment: Sendable, Equatable {
    /// The launcher's name for messages ("mpirun (Open MPI)", "srun", ...), or `nil` when started alone.
    public var launcher: String?
    /// Processes the launcher started, and this one's rank, as the environment states them.
    public var size: Int
    public var rank: Int

    /// The environment of this process.
    public static let current = LaunchEnvironment(ProcessInfo.processInfo.environment)

    public init(_ env: [String: String]) {
        func int(_ key: String) -> Int? { env[key].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        if let size = int("OMPI_COMM_WORLD_SIZE") {
            self.init(launcher: "mpirun (Open MPI)", size: size, rank: int("OMPI_COMM_WORLD_RANK") ?? 0)
        } else if env["SLURM_STEP_ID"] != nil, let size = int("SLURM_STEP_NUM_TASKS") ?? int("SLURM_NTASKS") {
            self.init(launcher: "srun", size: size, rank: int("SLURM_PROCID") ?? 0)
        } else if let size = int("PMI_SIZE") {
            self.init(launcher: "a PMI launcher (mpiexec)", size: size, rank: int("PMI_RANK") ?? 0)
        } else if let rank = int("PMIX_RANK") {
            self.init(launcher: "a PMIx launcher", size: max(rank + 1, 1), rank: rank)
        } else {
            self.init(launcher: nil, size: 1, rank: 0)
        }
    }

    init(launcher: String?, size: Int, rank: Int) {
        self.launcher = launcher
        self.size = max(size, 1)
        self.rank = max(rank, 0)
    }

    /// True when this process speaks for the run: rank 0, or a process started alone.
    public var isLeader: Bool { rank == 0 }
}
