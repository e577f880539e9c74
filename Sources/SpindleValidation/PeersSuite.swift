import Foundation
import SpindleCore

/// The peers suite: Spindle's component models against reference runs of BookSim2, DRAMsim3, SCALE-Sim and ASTRA-sim
/// and against closed forms, one row per check, each with its tolerance.
///
/// The reference data is the one the tests use, shipped in a clone under `defaultDirectory` with its
/// provenance and licences (its README.md says how each file was produced).
public enum PeersSuite {
    public static let defaultDirectory = "Tests/SpindleStudiesTests/Fixtures"

    public static func rows(directory: String, progress: (@Sendable (String) -> Void)? = nil) async throws(SpindleError) -> [LadderRow] {
        progress?("SCALE-Sim v2 golden case")
        var rows = try ScaleSimLadder.rows(directory: directory)
        progress?("DRAMsim3 closed forms and runs")
        rows += try DRAMLadder.rows(directory: directory)
        progress?("ASTRA-sim collective micro-benchmarks")
        rows += try AstraSimLadder.rows(directory: directory)
        rows += try await BookSimLadder.rows(directory: directory, progress: progress)
        return rows
    }
}
