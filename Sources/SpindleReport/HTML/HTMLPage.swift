import Foundation
import SpindleCore

/// A self-contained HTML report page: inline styles, inline SVG charts, the report's data as embedded
/// JSON, and a few lines of script that only check the page (no network, no external assets).
///
/// When the page has loaded, `<body>` carries `data-status="ok"` if every chart listed in `charts` is
/// present and no script error or console error happened, else `data-status="fail"` with
/// `data-missing` and `data-errors`: a headless browser's dumped DOM tells whether the page works.
public struct HTMLPage: Sendable {
    public struct Section: Sendable {
        public var id: String
        public var heading: String
        public var html: String
        public init(id: String, heading: String, html: String) {
            self.id = id
            self.heading = heading
            self.html = html
        }
    }

    public var title: String
    public var subtitle: String
    public var sections: [Section] = []
    /// The ids of the charts the page must show (checked when it loads).
    public var charts: [String] = []
    /// The data the page was drawn from, embedded as `<script type="application/json" id="spindle-data">`.
    public var data: Data?

    public init(title: String, subtitle: String) {
        self.title = title
        self.subtitle = subtitle
    }

    /// Adds a section.
    public mutating func add(_ id: String, _ heading: String, _ html: String) {
        sections.append(Section(id: id, heading: heading, html: html))
    }

    /// Adds a chart's HTML to `html` and records its id (the `id` of its `<figure>`).
    public mutating func chart(_ id: String, _ figure: String, into html: inout String) {
        charts.append(id)
        html += figure
    }

    static let style = """
        :root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#ffffff;--panel:#f6f7f9}
        *{box-sizing:border-box}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0}
        header{padding:18px 24px;border-bottom:1px solid var(--line);background:var(--panel)}
        header h1{margin:0 0 4px;font-size:22px} header p{margin:0;color:var(--muted)}
        nav{padding:8px 24px;border-bottom:1px solid var(--line);font-size:14px}
        nav a{margin-right:14px;color:#0b57d0;text-decoration:none}
        main{max-width:1100px;margin:0 auto;padding:8px 24px 40px}
        section{margin-top:22px} h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
        .card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 10px}
        .card b{display:block;font-size:19px} .card span{color:var(--muted);font-size:13px}
        figure.chart{margin:14px 0;break-inside:avoid} figure.chart svg{width:100%;height:auto;display:block}
        figcaption{color:var(--muted);font-size:13px;margin-top:4px}
        .legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px}
        .swatch{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px;border-radius:2px}
        .scale{display:flex;align-items:center;gap:2px;font-size:12px;color:var(--muted);margin-top:4px}
        .scale .cell{width:18px;height:10px;display:inline-block}
        svg text{font-family:inherit} .label{font-size:12px;fill:var(--fg)} .value{font-size:11px;fill:var(--muted)}
        .small{font-size:9px} .tick{font-size:10px;fill:var(--muted)} .axis{stroke:#8a93a3;stroke-width:1} .grid{stroke:#eceef2;stroke-width:1}
        svg rect:hover,svg circle:hover,svg line.link:hover{stroke:#000;stroke-width:1}
        table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0} th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums} .note{color:var(--muted);font-size:13px}
        .warn{background:#fff7e0;border:1px solid #f0d58a;border-radius:6px;padding:6px 10px;font-size:13px}
        .scroll{overflow-x:auto}
        @media (max-width:640px){main{padding:4px 10px 30px} header,nav{padding-left:10px;padding-right:10px} .label{font-size:14px}}
        @media print{nav{display:none} header{background:none} section{break-inside:avoid-page} a{color:inherit}}
        """

    static let script = """
        (function(){var errors=[];window.addEventListener('error',function(e){errors.push(String(e.message))});
        var ce=console.error;console.error=function(){errors.push(Array.prototype.join.call(arguments,' '));ce.apply(console,arguments)};
        document.addEventListener('DOMContentLoaded',function(){var need=JSON.parse(document.getElementById('spindle-charts').textContent);
        var missing=need.filter(function(id){var f=document.getElementById(id);return !f||!f.querySelector('svg')||f.querySelector('svg').childElementCount===0});
        try{JSON.parse(document.getElementById('spindle-data').textContent)}catch(e){errors.push('data: '+e.message)}
        document.body.setAttribute('data-missing',missing.join(','));document.body.setAttribute('data-errors',errors.join(' | '));
        document.body.setAttribute('data-charts',String(need.length));
        document.body.setAttribute('data-status',missing.length||errors.length?'fail':'ok')})})();
        """

    /// The whole page.
    public func render() -> String {
        let e = SVGChart.escape
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>\(e(title))</title><style>\(Self.style)</style><script>\(Self.script)</script></head><body>"
        html += "<header><h1>\(e(title))</h1><p>\(e(subtitle))</p></header><nav>"
        for s in sections { html += "<a href=\"#\(e(s.id))\">\(e(s.heading))</a>" }
        html += "</nav><main>"
        for s in sections { html += "<section id=\"\(e(s.id))\"><h2>\(e(s.heading))</h2>\(s.html)</section>" }
        html += "</main>"
        // "<" written as \u003c: no text inside the data can end or open an element.
        let json = String(decoding: data ?? Data("{}".utf8), as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
        html += "<script type=\"application/json\" id=\"spindle-data\">\(json)</script>"
        let charts = (try? JSONEncoder().encode(charts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        html += "<script type=\"application/json\" id=\"spindle-charts\">\(charts)</script>"
        html += "</body></html>\n"
        return html
    }

    /// Key figures as cards.
    public static func cards(_ items: [(value: String, label: String)]) -> String {
        "<div class=\"cards\">"
            + items.map { "<div class=\"card\"><b>\(SVGChart.escape($0.value))</b><span>\(SVGChart.escape($0.label))</span></div>" }
            .joined()
            + "</div>"
    }

    /// A table; columns whose header starts with "#" are right-aligned numbers (the "#" is dropped).
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        let numeric = header.map { $0.hasPrefix("#") }
        var html = "<div class=\"scroll\"><table><thead><tr>"
        for (i, h) in header.enumerated() {
            html += "<th\(numeric[i] ? " class=\"num\"" : "")>\(SVGChart.escape(numeric[i] ? String(h.dropFirst()) : h))</th>"
        }
        html += "</tr></thead><tbody>"
        for r in rows {
            html += "<tr>"
            for (i, c) in r.enumerated() {
                html += "<td\(i < numeric.count && numeric[i] ? " class=\"num\"" : "")>\(SVGChart.escape(c))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// Warnings and notes, each in a box.
    public static func warnings(_ items: [String]) -> String {
        items.map { "<p class=\"warn\">\(SVGChart.escape($0))</p>" }.joined()
    }
}
