import SpindleDistributed
import Testing

@Suite("How the process was started")
struct LaunchEnvironmentTests {
    @Test("Open MPI's mpirun, srun, a PMI launcher, PMIx alone, and no launcher")
    func launchers() {
        let ompi = LaunchEnvironment(["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "3"])
        #expect(ompi.launcher == "mpirun (Open MPI)" && ompi.size == 4 && ompi.rank == 3 && !ompi.isLeader)
        let srun = LaunchEnvironment(["SLURM_STEP_ID": "0", "SLURM_STEP_NUM_TASKS": "16", "SLURM_PROCID": "0", "SLURM_NTASKS": "32"])
        #expect(srun.launcher == "srun" && srun.size == 16 && srun.rank == 0 && srun.isLeader)
        // A batch script inside an allocation is not a launched task.
        let batch = LaunchEnvironment(["SLURM_NTASKS": "32", "SLURM_PROCID": "0"])
        #expect(batch.launcher == nil && batch.size == 1)
        let hydra = LaunchEnvironment(["PMI_SIZE": "2", "PMI_RANK": "1"])
        #expect(hydra.size == 2 && hydra.rank == 1)
        let alone = LaunchEnvironment([:])
        #expect(alone.launcher == nil && alone.size == 1 && alone.rank == 0 && alone.isLeader)
        let junk = LaunchEnvironment(["OMPI_COMM_WORLD_SIZE": "-3", "OMPI_COMM_WORLD_RANK": "x"])
        #expect(junk.size == 1 && junk.rank == 0)
    }

    @Test("A launcher with one process, or none, starts no MPI")
    func aloneStartsNothing() throws {
        #expect(try MPIWorld.start(LaunchEnvironment([:])) == nil)
        #expect(try MPIWorld.start(LaunchEnvironment(["OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"])) == nil)
    }
}
