import Foundation
import Synchronization

/// How one fuzz case ended, and whether that is acceptable.
struct FuzzOutcome: Sendable, CustomStringConvertible {
    enum Verdict: String, Sendable {
        /// Exit 0, or exit 2 with one `error:` paragraph.
        case clean
        /// Killed by a signal (a Swift trap, a failed allocation).
        case crash
        /// Still running past the case's bound.
        case hang
        /// An exit status other than 0 and 2, or exit 2 without the one-paragraph error.
        case messy
        /// Exit 0 on an input that must be refused.
        case silent
    }
    var verdict: Verdict
    var status: Int32
    var seconds: Double
    var stderr: String
    var caseName: String
    var arguments: [String]

    var description: String {
        "\(verdict.rawValue): \(caseName) (spindle \(arguments.joined(separator: " "))) status \(status) after \(String(format: "%.1f", seconds)) s: \(stderr.suffix(400))"
    }
}

/// One hostile input: files to write into a fresh folder, and the command line to run there.
struct FuzzCase: Sendable {
    var name: String
    var files: [String: Data]
    var arguments: [String]
    /// The input is invalid: exit 0 is silent nonsense.
    var mustFail = false
    /// The input is valid: an error is wrong too.
    var mustSucceed = false
    /// stderr must contain this (for hand-written cases that check the message).
    var message: String? = nil
    /// Wall-clock bound of the case in seconds (debug build).
    var bound: Double = 60
}

/// Runs fuzz cases against the built `spindle` binary, each in its own folder, with a time bound.
enum FuzzRunner {
    static func run(_ c: FuzzCase) throws -> FuzzOutcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, data) in c.files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        let out = dir.appendingPathComponent(".stdout"), err = dir.appendingPathComponent(".stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try spindleBinary()
        process.arguments = c.arguments
        process.currentDirectoryURL = dir
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        // Work estimated at over a second of release-build time is refused, so a debug build stays within the
        // case's bound; each case must end in a result or one clear error either way.
        var environment = ProcessInfo.processInfo.environment
        environment["SPINDLE_WORK_LIMIT_S"] = "1"
        process.environment = environment
        let start = Date()
        try process.run()
        var hung = false
        while process.isRunning {
            if Date().timeIntervalSince(start) > c.bound {
                hung = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        let status = process.terminationStatus
        var verdict = FuzzOutcome.Verdict.clean
        if hung {
            verdict = .hang
        } else if process.terminationReason == .uncaughtSignal {
            verdict = .crash
        } else if status == 2 {
            let lines = stderr.split(separator: "\n").filter { !$0.hasPrefix("note:") && !$0.hasPrefix("warning:") && !$0.hasPrefix("\r") }
            let errors = lines.filter { $0.hasPrefix("error: ") }
            if errors.count != 1 || lines.count != 1 || stderr.contains("Fatal error") { verdict = .messy }
            if c.mustSucceed { verdict = .messy }
            if let m = c.message, !stderr.contains(m) { verdict = .messy }
        } else if status == 0 {
            if c.mustFail { verdict = .silent }
            if let m = c.message, !stderr.contains(m) { verdict = .silent }
        } else {
            verdict = .messy
        }
        return FuzzOutcome(verdict: verdict, status: status, seconds: seconds, stderr: stderr, caseName: c.name, arguments: c.arguments)
    }

    /// Runs `cases` two at a time and returns every outcome, in case order.
    static func runAll(_ cases: [FuzzCase], concurrency: Int = 2) -> [FuzzOutcome] {
        let results = Results(count: cases.count)
        DispatchQueue.concurrentPerform(iterations: concurrency) { lane in
            var i = lane
            while i < cases.count {
                let outcome: FuzzOutcome
                do {
                    outcome = try run(cases[i])
                } catch {
                    outcome = FuzzOutcome(
                        verdict: .messy, status: -1, seconds: 0, stderr: "harness: \(error)", caseName: cases[i].name,
                        arguments: cases[i].arguments)
                }
                results.set(i, outcome)
                i += concurrency
            }
        }
        return results.all
    }

    /// Outcomes written by several lanes.
    final class Results: Sendable {
        private let values: Mutex<[FuzzOutcome?]>
        init(count: Int) { values = Mutex(Array(repeating: nil, count: count)) }
        func set(_ i: Int, _ o: FuzzOutcome) { values.withLock { $0[i] = o } }
        var all: [FuzzOutcome] { values.withLock { $0.compactMap { $0 } } }
    }
}

/// A small seeded generator (SplitMix64), so every CI run replays the same cases.
struct FuzzRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
}
