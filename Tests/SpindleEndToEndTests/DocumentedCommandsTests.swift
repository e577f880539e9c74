import Foundation
import Testing

/// The commands the README and the Docs show, as written.
enum DocumentedCommands {
    /// `spindle ...` and `mpirun ... spindle ...` lines of the fenced blocks of a Markdown file (a block under
    /// `section`, if given), with trailing `# comments` removed. Lines with a prompt (`$ mpirun ...`, for
    /// machines this one is not) are examples, not commands.
    static func commands(in file: String, section: String? = nil) -> [String] {
        guard var text = try? String(contentsOfFile: packageRoot + "/" + file, encoding: .utf8) else { return [] }
        if let section, let r = text.range(of: section) {
            text = String(text[r.upperBound...])
            if let next = text.range(of: "\n## ") { text = String(text[..<next.lowerBound]) }
        }
        var out: [String] = []
        var inBlock = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                inBlock.toggle()
                continue
            }
            let l = line.trimmingCharacters(in: .whitespaces)
            guard inBlock, l.hasPrefix("spindle ") || l == "spindle" || l.hasPrefix("mpirun ") else { continue }
            out.append(l.components(separatedBy: "  #")[0].components(separatedBy: " # ")[0].trimmingCharacters(in: .whitespaces))
        }
        return out
    }

    /// The release binary `scripts/quickstart` builds, if it is newer than every source file (the Docs call
    /// it `spindle`; these commands take minutes in a debug build).
    static var freshReleaseBinary: URL? {
        let binary = URL(fileURLWithPath: packageRoot + "/.build/release/spindle")
        guard let built = (try? FileManager.default.attributesOfItem(atPath: binary.path))?[.modificationDate] as? Date else { return nil }
        let sources = FileManager.default.enumerator(atPath: packageRoot + "/Sources")
        while let f = sources?.nextObject() as? String {
            let date = (try? FileManager.default.attributesOfItem(atPath: packageRoot + "/Sources/" + f))?[.modificationDate] as? Date
            if let date, date > built { return nil }
        }
        return binary
    }

    /// Sample outputs in the Docs: a fenced block right after `<!-- output of: COMMAND -->`.
    static func samples(in file: String) -> [(command: String, lines: [String])] {
        guard let text = try? String(contentsOfFile: packageRoot + "/" + file, encoding: .utf8) else { return [] }
        var out: [(String, [String])] = []
        let lines = text.components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            let l = lines[i]
            if l.hasPrefix("<!-- output of: "), l.hasSuffix(" -->"), i + 1 < lines.count, lines[i + 1].hasPrefix("```") {
                let command = String(l.dropFirst("<!-- output of: ".count).dropLast(" -->".count))
                var block: [String] = []
                var j = i + 2
                while j < lines.count, !lines[j].hasPrefix("```") {
                    block.append(lines[j])
                    j += 1
                }
                out.append((command, block))
                i = j
            }
            i += 1
        }
        return out
    }

    /// Whitespace runs as single spaces, ends trimmed.
    static func squeezed(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// The sample lines that do not appear, in order, in `output` (`...` inside a line skips text; a line
    /// that is only `...` skips lines; blank lines are not compared).
    static func missing(_ sample: [String], in output: String) -> [String] {
        let actual = output.components(separatedBy: "\n").map(squeezed)
        var position = 0
        var missing: [String] = []
        for line in sample.map(squeezed) where !line.isEmpty && line != "..." {
            let pieces = line.components(separatedBy: "...").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            func matches(_ a: String) -> Bool {
                var rest = Substring(a)
                for p in pieces {
                    guard let r = rest.range(of: p) else { return false }
                    rest = rest[r.upperBound...]
                }
                return true
            }
            if let k = actual[position...].firstIndex(where: matches) {
                position = k + 1
            } else {
                missing.append(line)
            }
        }
        return missing
    }

    /// Splits a command line into words (the Docs' commands use no quotes).
    static func words(_ command: String) -> [String] { command.split(separator: " ").map(String.init) }
}

@Suite("Documented commands run as written", .serialized)
struct DocumentedCommandsTests {
    @Test("The Docs' sample outputs are what the current program prints")
    func sampleOutputs() throws {
        guard let binary = DocumentedCommands.freshReleaseBinary else {
            #expect(!Self.required, "the release binary is missing or older than the sources; run scripts/quickstart first")
            return
        }
        var samples: [(command: String, lines: [String])] = []
        for doc in [
            "README.md", "Docs/tutorial.md", "Docs/user-guide.md", "Docs/compression.md", "Docs/performance.md", "Docs/validation.md",
        ] {
            samples += DocumentedCommands.samples(in: doc)
        }
        #expect(samples.count >= 3)
        for (command, lines) in samples {
            let process = Process()
            process.executableURL = binary
            process.arguments = Array(DocumentedCommands.words(command).dropFirst())
            process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let missing = DocumentedCommands.missing(lines, in: text)
            let report =
                "the sample output of '\(command)' is stale; these lines are not in the output:\n" + missing.joined(separator: "\n")
            #expect(missing.isEmpty, Comment(rawValue: report))
        }
    }

    static let required = ProcessInfo.processInfo.environment["SPINDLE_REQUIRE_RELEASE_BINARY"] == "1"

    @Test("The README's \"Using it\" block has the commands it should")
    func readmeBlock() {
        let commands = DocumentedCommands.commands(in: "README.md", section: "## Using it")
        #expect(commands.count >= 15)
        #expect(commands.contains { $0.hasPrefix("spindle dram examples/") })
    }

    @Test("Every command of the README and the Docs runs from a copy of the repository and exits 0")
    func everyCommand() throws {
        guard let binary = DocumentedCommands.freshReleaseBinary else {
            // CI builds the release binary first (scripts/quickstart) and sets SPINDLE_REQUIRE_RELEASE_BINARY.
            #expect(!Self.required, "the release binary is missing or older than the sources; run scripts/quickstart first")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The ladder (`spindle validate`) reads the peer reference data shipped with the studies' tests.
        for folder in ["scenarios", "topologies", "clusters", "examples", "Tests/SpindleStudiesTests/Fixtures"] {
            let target = dir.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: packageRoot + "/" + folder, toPath: target.path)
        }
        var commands = DocumentedCommands.commands(in: "README.md", section: "## Using it")
        for doc in ["Docs/tutorial.md", "Docs/user-guide.md", "Docs/compression.md", "Docs/performance.md"] {
            for c in DocumentedCommands.commands(in: doc) where !commands.contains(c) { commands.append(c) }
        }
        #expect(commands.count >= 25)
        for doc in ["Docs/distributed.md"] {
            for c in DocumentedCommands.commands(in: doc) where !commands.contains(c) { commands.append(c) }
        }
        #expect(commands.contains { $0.hasPrefix("mpirun ") })
        for command in commands {
            let process = Process()
            let words = DocumentedCommands.words(command)
            if words[0] == "mpirun" {
                // As written, with the binary for `spindle` and Open MPI's consent to run as root.
                let mpirun = try #require(MPI.mpirun, "mpirun is not installed")
                process.executableURL = URL(fileURLWithPath: mpirun)
                process.arguments = Array(words.dropFirst()).map { $0 == "spindle" ? binary.path : $0 }
                process.environment = MPI.environment
            } else {
                process.executableURL = binary
                process.arguments = Array(words.dropFirst())
            }
            process.currentDirectoryURL = dir
            let err = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = err
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(command): \(stderr.suffix(600))")
        }
    }
}
