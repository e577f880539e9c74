import Foundation
import SpindleCore
import SpindleEngine

#if SPINDLE_MPI
    import CMPI
#endif

/// MPI for this process: started once at launch when a launcher started it, finished once at exit.
///
/// ```swift
/// let world = try MPIWorld.start()          // nil: started alone, no MPI
/// defer { world?.finish() }
/// let options = EngineOptions(workers: 2, group: world?.group)
/// ```
public final class MPIWorld: Sendable {
    /// The processes of the run, for the engine and the sweep (size > 1 only).
    public let group: MPIProcessGroup

    private init(group: MPIProcessGroup) { self.group = group }

    /// Whether this build of Spindle can run distributed.
    public static var isAvailable: Bool {
        #if SPINDLE_MPI
            return true
        #else
            return false
        #endif
    }

    /// Starts MPI when a launcher started this process with more than one process; returns `nil` when the
    /// process runs alone (no launcher, or a launcher with one process). Throws when the launcher and this
    /// build disagree: no MPI in this build, or an MPI that sees fewer processes than the launcher started.
    public static func start(_ environment: LaunchEnvironment = .current) throws(SpindleError) -> MPIWorld? {
        guard let launcher = environment.launcher, environment.size > 1 else { return nil }
        #if SPINDLE_MPI
            let provided = spindle_mpi_init()
            guard provided >= 0 else {
                throw SpindleError(.invalidValue, "MPI could not start under \(launcher)")
            }
            let size = Int(spindle_mpi_size())
            guard size == environment.size else {
                let rank = Int(spindle_mpi_rank())
                spindle_mpi_finalize()
                throw SpindleError(
                    .invalidValue,
                    "\(launcher) started \(environment.size) processes, but MPI in this one sees \(size) (rank \(rank)): the launcher does not speak to the Open MPI spindle was built with",
                    expected: "a launcher of the same Open MPI",
                    hint:
                        "Run 'mpirun -n \(environment.size) spindle ...' with the mpirun of the Open MPI spindle links (Debian: openmpi-bin), or under Slurm 'srun --mpi=pmix'; see Docs/distributed.md"
                )
            }
            guard provided >= spindle_mpi_thread_serialized() else {
                spindle_mpi_finalize()
                throw SpindleError(
                    .invalidValue, "this MPI library does not allow calls from more than one thread (MPI_THREAD_SERIALIZED)",
                    hint: "Use Open MPI 4 or later")
            }
            return MPIWorld(group: MPIProcessGroup(rank: Int(spindle_mpi_rank()), size: size))
        #else
            throw SpindleError(
                .invalidValue,
                "\(launcher) started \(environment.size) processes, but this spindle was built without MPI, so each would run the whole job alone",
                expected: "a spindle built with MPI",
                hint:
                    "Install Open MPI (Debian: apt-get install libopenmpi-dev openmpi-bin) and build with the default traits (swift build -c release); see Docs/distributed.md"
            )
        #endif
    }

    /// Ends MPI for this process (after every collective); call once before exiting normally.
    public func finish() {
        #if SPINDLE_MPI
            if spindle_mpi_finalized() == 0 { spindle_mpi_finalize() }
        #endif
    }

    /// Takes the whole job down with `code` (every process exits).
    public func abort(_ code: Int32) -> Never {
        #if SPINDLE_MPI
            spindle_mpi_abort(code)
        #endif
        exit(code)
    }

    /// The MPI library's version line.
    public static var libraryVersion: String {
        #if SPINDLE_MPI
            var buffer = [CChar](repeating: 0, count: 512)
            let n = spindle_mpi_library_version(&buffer, Int32(buffer.count))
            return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .split(separator: ",").first.map(String.init) ?? ""
        #else
            return "none (built without MPI)"
        #endif
    }
}
