import Foundation
import SpindleCore
import Testing

@testable import SpindleReport

@Suite("HTML reports")
struct HTMLReportTests {
    func report() throws -> RunReport {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/quickstart-result", withExtension: "json"))
        return try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: url))
    }

    /// The ids of the `<figure>`s a page draws, and the list the page checks itself against.
    func charts(_ html: String) throws -> (drawn: [String], listed: [String]) {
        let drawn = html.components(separatedBy: "<figure class=\"chart\" id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"spindle-charts\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let listed = try JSONDecoder().decode([String].self, from: Data(html[start.upperBound..<end.lowerBound].utf8))
        return (drawn, listed)
    }

    /// The page's embedded data.
    func data(_ html: String) throws -> Data {
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"spindle-data\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        return Data(html[start.upperBound..<end.lowerBound].utf8)
    }

    @Test("A saved result without activity: every listed chart is drawn, the data is the result, the time section says why it is empty")
    func page() throws {
        var r = try report()
        r.scenario = "q <script>alert('x')</script> & co"
        let html = try r.html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script>alert"), "names are escaped")
        #expect(html.contains("q &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"))
        let (drawn, listed) = try charts(html)
        #expect(Set(drawn) == Set(listed) && drawn.count == listed.count)
        #expect(listed.contains("energy-component") && listed.contains("energy-layer") && listed.contains("predicted-simulated"))
        #expect(!listed.contains("timeline"))
        #expect(html.contains("has no timeline"))
        let back = try JSONDecoder().decode(RunReport.self, from: data(html))
        #expect(back == r)
        // Self-contained: nothing is fetched.
        for external in ["src=\"http", "href=\"http", "<link ", "@import", "url("] { #expect(!html.contains(external)) }
        // Every technology row's source is in the table.
        for row in r.technology { #expect(html.contains(SVGChart.escape(row.source))) }
    }

    @Test("Stacked bars: one rectangle per non-zero part, sized in proportion, with the value and share in its title")
    func stackedBars() {
        let svg = SVGChart.stackedBars(
            id: "x", caption: "c", rows: ["a", "b"], series: [("p", [3, 1]), ("q", [1, 0])], format: { Units.format($0, 0) })
        #expect(svg.components(separatedBy: "<rect").count - 1 == 3)
        #expect(svg.contains("<title>a: p 3 (75.0 %)</title>") && svg.contains("<title>a: q 1 (25.0 %)</title>"))
        // Row a (4) fills the plot: 800 - label - 90 wide; p takes three quarters of it.
        let plot = 800 - 60.0 - 90
        #expect(svg.contains("width=\"\(Units.format(plot * 0.75, 1))\""))
    }

    @Test("The Pareto front keeps exactly the points no other point beats on both axes")
    func pareto() {
        let points: [(x: Double, y: Double)] = [(1, 5), (2, 2), (3, 3), (5, 1), (2, 2), (6, 6)]
        #expect(SVGChart.paretoFront(points) == [0, 1, 3, 4])
        #expect(SVGChart.paretoFront([]) == [])
    }

    @Test("Dense Gantt rows are drawn at a bounded number of marks, showing the category that took most of each column")
    func dense() {
        var spans: [SVGChart.Span] = []
        for i in 0..<10_000 {
            spans.append(.init(start: Double(i) * 10, end: Double(i) * 10 + (i % 2 == 0 ? 7 : 3), title: "s\(i % 2), x", category: i % 2))
        }
        let drawn = SVGChart.dominant(spans, end: 100_000, bins: 100)
        #expect(drawn.count == 1 && drawn[0].category == 0 && drawn[0].end == 100_000)
        let sparse = SVGChart.coalesce(
            [.init(start: 0, end: 1, title: "a", category: 0), .init(start: 1.5, end: 2, title: "a", category: 0)], within: 1)
        #expect(sparse.count == 1 && sparse[0].end == 2)
    }

    @Test("A comparison page: a bar per result and metric, the Pareto front and one chart per swept key")
    func comparison() throws {
        let base = try report()
        var faster = base
        faster.latencyPs /= 2
        faster.energyPJ.total *= 2
        var worse = base
        worse.latencyPs *= 2
        worse.energyPJ.total *= 2
        let entries = [
            ComparisonHTML.Entry(name: "a", report: base, axes: [("batch", "4")]),
            ComparisonHTML.Entry(name: "b", report: faster, axes: [("batch", "8")]),
            ComparisonHTML.Entry(name: "c", report: worse, axes: [("batch", "16")]),
        ]
        let html = try ComparisonHTML.page(title: "t", entries)
        let (drawn, listed) = try charts(html)
        #expect(Set(drawn) == Set(listed))
        #expect(listed.contains("pareto") && listed.contains("axis-0") && listed.contains("metric-latency"))
        // a and b are on the front (each better on one axis), c is beaten by a on both.
        #expect(html.contains("a: latency") && html.contains("(on the Pareto front)"))
        #expect(
            !html.contains(
                "c: latency \(Units.formatTime(worse.latencyPs)), energy \(Units.formatEnergy(worse.energyPJ.total)) (on the Pareto front)")
        )
        let back = try JSONDecoder().decode([RunReport].self, from: data(html))
        #expect(back.count == 3)
    }
}
