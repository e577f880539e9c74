import ArgumentParser
import Foundation
import SpindleCore
import SpindleReport
import SpindleRun

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show a saved result (JSON from spindle run --out) as the summary table, or as an HTML report with --html.",
        discussion: """
            Reads scenario results and cluster-scenario results. The HTML report's timeline, utilisation and \
            bandwidth charts need a result recorded with --activity or --html; without them the page says so.
            """)
    @Argument(help: "A result JSON file.")
    var file: String
    @Option(help: "Write a self-contained HTML report to this file.")
    var html: String?

    func run() throws {
        do {
            let data = try InputFile.bytes(file, what: "result JSON", maxBytes: 1 << 30)
            let page: String
            let summary: String
            if let report = try? JSONDecoder().decode(RunReport.self, from: data) {
                summary = report.summary()
                page = html != nil ? try report.html() : ""
            } else {
                let cluster: ClusterRunReport
                do { cluster = try ClusterRunReport.decode(data) } catch {
                    throw SpindleError(
                        .syntax, "'\(file)' is not a Spindle result (\(Self.reason(data)))",
                        expected: "the JSON written by spindle run --out, --json or spindle sweep")
                }
                summary = cluster.summary()
                page = html != nil ? try cluster.html() : ""
            }
            if let html {
                try AtomicFile.write(Data(page.utf8), to: html)
                print("wrote \(html) (\(Units.formatBytes(UInt64(page.utf8.count))))")
            } else {
                print(summary)
            }
        } catch let e as SpindleError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
    }

    /// Why the bytes are not a scenario result, in a few words.
    static func reason(_ data: Data) -> String {
        do {
            _ = try JSONDecoder().decode(RunReport.self, from: data)
            return "unknown"
        } catch DecodingError.dataCorrupted(let c) {
            return "not JSON: \(c.debugDescription)"
        } catch DecodingError.keyNotFound(let key, _) {
            return "no '\(key.stringValue)' key"
        } catch DecodingError.typeMismatch(_, let c) {
            return "a value of the wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        } catch {
            return "\(error)"
        }
    }
}
