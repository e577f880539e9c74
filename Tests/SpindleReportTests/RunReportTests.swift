import Foundation
import SpindleReport
import Testing

@Suite("Saved results")
struct RunReportTests {
    func fixture(_ name: String = "quickstart-result") throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: "json"))
        return try Data(contentsOf: url)
    }

    @Test(
        "A saved result decodes, and encodes back to the same JSON (0.2.0, and 0.3.0 with area and efficiency)",
        arguments: ["quickstart-result", "quickstart-result-0.3.0"])
    func roundTrip(name: String) throws {
        let data = try fixture(name)
        let report = try JSONDecoder().decode(RunReport.self, from: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let again = try encoder.encode(report)
        let a = try JSONSerialization.jsonObject(with: data) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: again) as! NSDictionary
        #expect(a == b)
        if name.hasSuffix("0.3.0") {
            #expect(report.area != nil && report.efficiency != nil)
            #expect(
                abs(report.efficiency!.pjPerMAC * Double(report.efficiency!.workloadMACs) - report.energyPJ.total) < 1e-6
                    * report.energyPJ.total)
        }
    }

    @Test("The figures of a saved result agree with each other")
    func consistency() throws {
        let r = try JSONDecoder().decode(RunReport.self, from: fixture())
        // Throughput is samples per second of simulated time.
        #expect(abs(r.throughput - Double(r.batch) / (Double(r.latencyPs) * 1e-12)) <= 1e-9 * r.throughput)
        // Energy by component, by action and by phase each add up to the total.
        for parts in [r.energyPJ.byComponent, r.energyPJ.byAction, r.energyPJ.byPhase] {
            #expect(abs(parts.values.reduce(0, +) - r.energyPJ.total) <= 1e-9 * r.energyPJ.total)
        }
        #expect(abs(r.energyPJ.byChip.reduce(0, +) - r.energyPJ.total) <= 1e-9 * r.energyPJ.total)
        // Every priced action in the energy has a technology row with its source.
        let rows = Set(r.technology.map(\.action))
        #expect(r.energyPJ.byAction.keys.allSatisfy { rows.contains($0) })
        #expect(r.technology.allSatisfy { !$0.source.isEmpty })
    }
}
