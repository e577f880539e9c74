import Foundation
import SpindleCore
import Testing

@testable import SpindleValidation

/// The peer reference data the ladder reads (shipped with the studies' tests).
let peerData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
    "SpindleStudiesTests/Fixtures"
).path

@Suite("Validation ladder")
struct LadderTests {
    @Test("Tolerances: relative, absolute and exact errors, and a non-finite figure always fails")
    func tolerances() {
        let r = LadderRow(
            peer: "p", name: "c", metric: "m", unit: "u", reference: 100, spindle: 109, tolerance: .relative(0.10), source: "s")
        #expect(r.pass && abs(r.error - 0.09) < 1e-12)
        #expect(
            !LadderRow(peer: "p", name: "c", metric: "m", unit: "u", reference: 100, spindle: 89, tolerance: .relative(0.10), source: "s")
                .pass)
        #expect(
            LadderRow(peer: "p", name: "c", metric: "m", unit: "u", reference: 0.28, spindle: 0.25, tolerance: .absolute(0.03), source: "s")
                .pass)
        #expect(
            !LadderRow(
                peer: "p", name: "c", metric: "m", unit: "u", reference: 0.28, spindle: 0.24, tolerance: .absolute(0.03), source: "s"
            ).pass)
        #expect(!LadderRow(peer: "p", name: "c", metric: "m", unit: "u", reference: 5, spindle: 6, tolerance: .exact, source: "s").pass)
        #expect(
            !LadderRow(peer: "p", name: "c", metric: "m", unit: "u", reference: 5, spindle: .nan, tolerance: .relative(1), source: "s").pass
        )
    }

    @Test("A failing row is counted, printed as FAIL, and kept in the JSON with the count")
    func failures() throws {
        let good = LadderRow(peer: "p", name: "a", metric: "m", unit: "u", reference: 1, spindle: 1, tolerance: .exact, source: "s")
        let bad = LadderRow(peer: "p", name: "b", metric: "m", unit: "u", reference: 1, spindle: 2, tolerance: .exact, source: "s")
        let result = ValidationResult(suite: .peers, ladder: [good, bad])
        #expect(result.failed == 1)
        #expect(result.table().contains("FAIL"))
        #expect(result.table().contains("1 of 2 checks within tolerance; 1 FAILED"))
        let data = try JSONEncoder().encode(result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["failed"] as? Int == 1)
        #expect((object["ladder"] as? [[String: Any]])?.count == 2)
        #expect(try JSONDecoder().decode(ValidationResult.self, from: data) == result)
    }

    @Test("The SCALE-Sim and DRAM rungs pass on the shipped reference data")
    func scaleSimAndDRAM() throws {
        let rows = try ScaleSimLadder.rows(directory: peerData) + DRAMLadder.rows(directory: peerData)
        // SCALE-Sim v2, v3 timing and AlexNet, closed forms, DRAMsim3 (ST-1.5x has no energy rows), and the v3
        // suite: three reports for each of its 30 runs, SPARSE_REPORT.csv for its 22 sparse ones.
        #expect(rows.count == 11 + 10 + 15 + 15 + 12 + 18 * 4 - 3 + 30 * 3 + 22)
        for r in rows { #expect(r.pass, "\(r.peer) \(r.name) \(r.metric): \(r.spindle) vs \(r.reference)") }
    }

    @Test("The ASTRA-sim rung: ring all-reduce, reduce-scatter and all-gather on rings of 4, 8 and 16, within 8 %")
    func astraSim() throws {
        let rows = try AstraSimLadder.rows(directory: peerData)
        #expect(rows.count == 9)
        for r in rows { #expect(r.pass, "\(r.name): \(r.spindle) vs \(r.reference)") }
    }

    @Test("The BookSim2 sweeps read with their saturation; a missing data folder is a clear error")
    func booksimCases() throws {
        let cases = try BookSimLadder.cases(in: peerData)
        #expect(cases.map(\.label).contains("torus88"))
        let torus = try #require(cases.first { $0.label == "torus88" })
        #expect(torus.points.filter(\.stable).map(\.offered).max() == 0.28)
        #expect(throws: SpindleError.self) { try BookSimLadder.cases(in: "/nonexistent") }
    }
}
