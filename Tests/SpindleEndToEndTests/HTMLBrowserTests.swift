import Foundation
import Testing

/// The HTML reports of shipped scenarios, loaded in a real browser (headless Chromium): the page reports
/// itself working (every chart drawn, no script or console error) and its screenshot is not blank. Skipped
/// when no Chromium is installed, unless `SPINDLE_REQUIRE_BROWSER=1` (as in CI).
@Suite("HTML reports in a browser", .serialized)
struct HTMLBrowserTests {
    static let snapshot = packageRoot + "/Tests/SpindleReportTests/Fixtures/quickstart-report-data.json"
    static let browserRequired = ProcessInfo.processInfo.environment["SPINDLE_REQUIRE_BROWSER"] == "1"

    static var chromium: URL? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in ["/usr/bin", "/usr/local/bin", "/snap/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
                return URL(fileURLWithPath: dir + "/" + name)
            }
        }
        return nil
    }

    static func browser(_ chromium: URL, _ arguments: [String], profile: String) throws -> CLIResult {
        try runProcess(
            chromium,
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + profile, "--no-first-run"] + arguments
        )
    }

    /// The page's embedded JSON (`<script type="application/json" id="NAME">`).
    static func embedded(_ html: String, _ name: String) throws -> Any {
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"\(name)\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        return try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8))
    }

    @Test("The quickstart report's data equals the committed snapshot (numbers within 1e-9; wall-clock facts left out)")
    func snapshot() throws {
        guard let binary = DocumentedCommands.freshReleaseBinary else {
            #expect(
                !DocumentedCommandsTests.required, "the release binary is missing or older than the sources; run scripts/quickstart first")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-html-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProcess(binary, ["run", "--html", dir + "/q.html", "--no-progress", "--workers", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: dir + "/q.html", encoding: .utf8)
        var data = try #require(try Self.embedded(html, "spindle-data") as? [String: Any])
        data["run"] = nil
        if ProcessInfo.processInfo.environment["SPINDLE_UPDATE_SNAPSHOTS"] == "1" {
            let bytes = try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .prettyPrinted])
            try bytes.write(to: URL(fileURLWithPath: Self.snapshot))
        }
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.snapshot)))
        let diff = PapersSuiteSnapshotTests.differences(data, expected, path: "")
        #expect(diff.isEmpty, Comment(rawValue: "\(diff.count) differences:\n" + diff.prefix(20).joined(separator: "\n")))
    }

    @Test("Shipped scenarios' reports load in Chromium with every chart drawn, no errors, and a screenshot that is not blank")
    func browser() throws {
        guard let binary = DocumentedCommands.freshReleaseBinary else {
            #expect(
                !DocumentedCommandsTests.required, "the release binary is missing or older than the sources; run scripts/quickstart first")
            return
        }
        guard let chromium = Self.chromium else {
            #expect(!Self.browserRequired, "SPINDLE_REQUIRE_BROWSER=1 but no chromium is installed (apt-get install chromium)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-browser-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pages: [(name: String, arguments: [String])] = [
            ("quickstart", ["run", "--no-progress", "--out", dir + "/quickstart.json", "--html", dir + "/quickstart.html"]),
            (
                "four-chip-training",
                ["run", "scenarios/four-chip-training.yaml", "--no-progress", "--html", dir + "/four-chip-training.html"]
            ),
            ("llama2-70b-inference", ["run", "scenarios/llama2-70b-inference.yaml", "--html", dir + "/llama2-70b-inference.html"]),
            (
                "mixtral-8x7b-moe-training",
                ["run", "scenarios/mixtral-8x7b-moe-training.yaml", "--html", dir + "/mixtral-8x7b-moe-training.html"]
            ),
            ("allreduce-node-ring", ["run", "scenarios/allreduce-node-ring.yaml", "--html", dir + "/allreduce-node-ring.html"]),
            ("sweep", ["sweep", "scenarios/quickstart-sweep.yaml", "--out", dir + "/sweep", "--html", dir + "/sweep.html"]),
            ("report", ["report", dir + "/quickstart.json", "--html", dir + "/report.html"]),
            (
                "compare",
                [
                    "compare", dir + "/sweep/point-001.json", dir + "/sweep/point-002.json", dir + "/sweep/point-004.json", "--html",
                    dir + "/compare.html",
                ]
            ),
        ]
        // A blank page of the same size, for the screenshot comparison.
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: dir + "/blank.html", atomically: true, encoding: .utf8)
        let size = "--window-size=1200,2400"
        _ = try Self.browser(
            chromium, [size, "--screenshot=" + dir + "/blank.png", "file://" + dir + "/blank.html"], profile: dir + "/profile")
        let blank = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/blank.png")[.size] as? Int)
        for page in pages {
            let r = try runProcess(binary, page.arguments)
            #expect(r.status == 0, "\(page.name): \(r.stderr)")
            let file = dir + "/" + page.name + ".html"
            let html = try String(contentsOfFile: file, encoding: .utf8)
            let listed = try #require(try Self.embedded(html, "spindle-charts") as? [String])
            #expect(!listed.isEmpty, "\(page.name) has no charts")
            let dom = try Self.browser(chromium, ["--dump-dom", "file://" + file], profile: dir + "/profile")
            let body = try #require(
                dom.stdout.range(of: "<body").map { dom.stdout[$0.lowerBound...].prefix { $0 != ">" } }, "\(page.name): no body")
            #expect(body.contains("data-status=\"ok\""), "\(page.name): \(body)")
            #expect(body.contains("data-charts=\"\(listed.count)\""), "\(page.name): \(body)")
            let shot = dir + "/" + page.name + ".png"
            _ = try Self.browser(chromium, [size, "--screenshot=" + shot, "file://" + file], profile: dir + "/profile")
            let bytes = try #require(try FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int)
            #expect(bytes > 3 * blank, "\(page.name): the screenshot (\(bytes) B) is about as small as a blank page's (\(blank) B)")
        }
    }
}
