/// Where in an input file something was found: file, 1-based line and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s
    }
}

/// A user-facing error: what went wrong, where, what was expected, and the valid choices.
///
/// Everything a user can get wrong (files, flags, values) is reported as a `SpindleError`; the CLI prints
/// `description` as one paragraph and exits with status 2. Programming errors are preconditions instead.
public struct SpindleError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Broad class of the error, for scripts and tests.
    public enum Kind: String, Sendable {
        case fileNotFound = "file not found"
        case syntax = "syntax error"
        case invalidValue = "invalid value"
        case unknownKey = "unknown key"
        case missingKey = "missing key"
        case unsupported = "unsupported"
        case capacity = "does not fit"
        case io = "i/o error"
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?
    public var expected: String?
    public var choices: [String]
    public var hint: String?

    public init(
        _ kind: Kind, _ message: String, at location: SourceLocation? = nil, expected: String? = nil,
        choices: [String] = [], hint: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.location = location
        self.expected = expected
        self.choices = choices
        self.hint = hint
    }

    public var description: String {
        var s = "error: "
        if let location { s += "\(location): " }
        s += message
        if let expected { s += "; expected \(expected)" }
        if !choices.isEmpty { s += "; valid choices: " + choices.joined(separator: ", ") }
        if let hint { s += ". " + hint }
        if !s.hasSuffix(".") { s += "." }
        return s
    }
}

/// Spelling helpers for "did you mean" suggestions.
public enum Spelling {
    /// Levenshtein edit distance between two strings (case-sensitive).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    public static func nearest(_ word: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (c, d) = best else { return nil }
        return d <= Swift.max(2, c.count / 3) ? c : nil
    }
}
