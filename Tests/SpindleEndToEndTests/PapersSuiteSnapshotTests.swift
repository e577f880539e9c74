import Foundation
import Testing

@Suite("spindle validate --suite papers", .serialized)
struct PapersSuiteSnapshotTests {
    static let snapshot = packageRoot + "/Tests/SpindleValidationTests/Fixtures/papers-suite.json"

    /// Every number of `a` and `b` equal within `tolerance` (relative), every other value equal.
    static func differences(_ a: Any, _ b: Any, path: String, tolerance: Double = 1e-9) -> [String] {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            guard Set(x.keys) == Set(y.keys) else { return ["\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())"] }
            return x.keys.sorted().flatMap { differences(x[$0]!, y[$0]!, path: path + "." + $0, tolerance: tolerance) }
        case (let x as [Any], let y as [Any]):
            guard x.count == y.count else { return ["\(path): \(x.count) vs \(y.count) entries"] }
            return zip(x, y).enumerated().flatMap {
                differences($0.element.0, $0.element.1, path: path + "[\($0.offset)]", tolerance: tolerance)
            }
        case (let x as NSNumber, let y as NSNumber) where !(x is Bool):
            let u = x.doubleValue, v = y.doubleValue
            return abs(u - v) <= tolerance * max(abs(u), abs(v)) ? [] : ["\(path): \(u) vs \(v)"]
        case (let x as String, let y as String):
            return x == y ? [] : ["\(path): '\(x)' vs '\(y)'"]
        default:
            return String(describing: a) == String(describing: b) ? [] : ["\(path): \(a) vs \(b)"]
        }
    }

    @Test("The papers suite's rows equal the committed snapshot (numbers within 1e-9)")
    func snapshot() throws {
        guard let binary = DocumentedCommands.freshReleaseBinary else {
            #expect(
                !DocumentedCommandsTests.required, "the release binary is missing or older than the sources; run scripts/quickstart first")
            return
        }
        let r = try runProcess(binary, ["validate", "--suite", "papers", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        if ProcessInfo.processInfo.environment["SPINDLE_UPDATE_SNAPSHOTS"] == "1" {
            try r.stdout.write(toFile: Self.snapshot, atomically: true, encoding: .utf8)
        }
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.snapshot)))
        let diff = Self.differences(got, expected, path: "")
        #expect(diff.isEmpty, Comment(rawValue: "\(diff.count) differences:\n" + diff.prefix(20).joined(separator: "\n")))
    }
}
