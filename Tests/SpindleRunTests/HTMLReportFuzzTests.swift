import Foundation
import SpindleCore
import SpindleReport
import SpindleTestSupport
import Testing

@Suite("HTML reports of edited results")
struct HTMLReportFuzzTests {
    /// The quickstart result with its activity (the snapshot the browser test compares against).
    func withActivity() throws -> Any {
        try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: repoPath("Tests/SpindleReportTests/Fixtures/quickstart-report-data.json"))))
    }

    @Test("400 edited results: each is refused with an error or drawn; none crashes")
    func edited() throws {
        let base = try withActivity()
        var rng = RandomStream(seed: 16)
        var drawn = 0, refused = 0
        for _ in 0..<400 {
            var v = base
            for _ in 0..<(1 + Int(rng.next() % 3)) { v = mutateJSON(v, &rng) }
            guard let data = try? JSONSerialization.data(withJSONObject: v),
                let report = try? JSONDecoder().decode(RunReport.self, from: data)
            else {
                refused += 1
                continue
            }
            #expect(!report.summary().isEmpty)
            do {
                let html = try report.html()
                #expect(html.hasSuffix("</html>\n"))
                drawn += 1
            } catch {
                refused += 1
            }
        }
        #expect(drawn > 50 && refused > 10, "drawn \(drawn), refused \(refused)")
    }
}
