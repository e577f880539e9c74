import Foundation
import SpindleCore
import Yams

/// A YAML node together with the file it came from, with typed accessors that fail with
/// `SpindleError`s naming the file, line and column.
public struct YAMLValue {
    let node: Node
    /// The file the node came from (as given by the user).
    public let file: String
    /// Dotted path of keys leading to this node, for messages (`chips.noc.width`).
    public let path: String
    /// Paths whose values came from elsewhere (a sweep list, a `--set` option), with where they were written.
    var blamed: [String: SourceLocation] = [:]

    init(node: Node, file: String, path: String, blamed: [String: SourceLocation] = [:]) {
        self.node = node
        self.file = file
        self.path = path
        self.blamed = blamed
    }

    /// The node's own tag (`!Container`), or nil for an untagged or standard node.
    public var tag: String? {
        let t = node.tag.description
        return t.hasPrefix("!") && !t.hasPrefix("!!") ? t : nil
    }

    /// Where this node starts (for a value that replaced part of the file, where that value was written).
    public var location: SourceLocation {
        if !blamed.isEmpty {
            var p = path
            while !p.isEmpty {
                if let at = blamed[p] { return at }
                guard let dot = p.lastIndex(of: ".") else { break }
                p = String(p[..<dot])
            }
        }
        return SourceLocation(file: file, line: node.mark?.line, column: node.mark?.column)
    }

    /// Nodes a document may have once its aliases are expanded (the largest shipped file has a few hundred).
    public static let maxNodes = 1_000_000
    /// Deepest nesting of collections a document may have.
    public static let maxDepth = 200

    /// Parses YAML text; `file` is used in messages.
    ///
    /// Documents nested deeper than `maxDepth` or expanding (through aliases) to more than `maxNodes`
    /// nodes are refused before anything walks them.
    public static func parse(_ text: String, file: String) throws(SpindleError) -> YAMLValue {
        try checkNesting(text, file: file)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SpindleError(.syntax, "the file is empty", at: SourceLocation(file: file, line: 1), expected: "a YAML mapping")
            }
            try checkSize(node, file: file)
            return YAMLValue(node: node, file: file, path: "")
        } catch let e as SpindleError {
            throw e
        } catch let e as YamlError {
            throw SpindleError(.syntax, "malformed YAML: \(yamlProblem(e))", at: yamlLocation(e, file: file))
        } catch {
            throw SpindleError(.syntax, "malformed YAML: \(error)", at: SourceLocation(file: file))
        }
    }

    /// Refuses flow collections (`[`, `{`) or indentation nested deeper than `maxDepth` levels.
    static func checkNesting(_ text: String, file: String) throws(SpindleError) {
        var depth = 0, line = 1, column = 0, indent = 0, atLineStart = true
        var quote: UInt8? = nil
        var comment = false
        for c in text.utf8 {
            column += 1
            if c == 0x0A {
                line += 1
                column = 0
                indent = 0
                atLineStart = true
                comment = false
                continue
            }
            if atLineStart {
                if c == 0x20 || c == 0x2D {  // spaces and "- " both nest block collections
                    indent += 1
                    if indent > maxDepth * 8 {
                        throw SpindleError(
                            .invalidValue, "the document is indented more than \(maxDepth * 8) columns",
                            at: SourceLocation(file: file, line: line), expected: "at most \(maxDepth) nested levels")
                    }
                    continue
                }
                atLineStart = false
            }
            if comment { continue }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case 0x23: comment = true
            case 0x27, 0x22: quote = c
            case 0x5B, 0x7B:
                depth += 1
                if depth > maxDepth {
                    throw SpindleError(
                        .invalidValue, "collections are nested more than \(maxDepth) levels deep",
                        at: SourceLocation(file: file, line: line, column: column), expected: "at most \(maxDepth) nested levels")
                }
            case 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
        }
    }

    /// Refuses documents whose aliases expand to more than `maxNodes` nodes (a "billion laughs" file).
    static func checkSize(_ root: Node, file: String) throws(SpindleError) {
        var stack = [root]
        var count = 0
        while let node = stack.popLast() {
            count += 1
            if count > maxNodes {
                throw SpindleError(
                    .invalidValue, "the document expands to more than \(maxNodes) values (through aliases?)",
                    at: SourceLocation(file: file), expected: "a configuration of reasonable size",
                    hint: "Each use of an alias (*name) copies the anchored value")
            }
            switch node {
            case .mapping(let m):
                for (k, v) in m {
                    stack.append(k)
                    stack.append(v)
                }
            case .sequence(let s):
                stack.append(contentsOf: s)
            default: break
            }
        }
    }

    private static func yamlProblem(_ e: YamlError) -> String {
        switch e {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            if let context { return "\(problem) (\(context.text))" }
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicated keys \(duplicates.joined(separator: ", "))"
        default:
            return "\(e)"
        }
    }

    private static func yamlLocation(_ e: YamlError, file: String) -> SourceLocation {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(file: file, line: mark.line, column: mark.column)
        default:
            return SourceLocation(file: file)
        }
    }

    func child(_ node: Node, key: String) -> YAMLValue {
        YAMLValue(node: node, file: file, path: path.isEmpty ? key : path + "." + key, blamed: blamed)
    }

    func error(_ message: String, expected: String? = nil, choices: [String] = [], hint: String? = nil) -> SpindleError {
        SpindleError(.invalidValue, message, at: location, expected: expected, choices: choices, hint: hint)
    }

    private var displayName: String { path.isEmpty ? "the document" : "'\(path)'" }

    /// This node as a mapping whose keys must come from `allowed` and include every key in `required`.
    public func mapping(allowed: [String], required: [String] = []) throws(SpindleError) -> YAMLMapping {
        guard case .mapping(let m) = node else {
            throw error("\(displayName) must be a mapping", expected: "keys: " + allowed.joined(separator: ", "))
        }
        var entries: [(String, YAMLValue, YAMLValue)] = []
        for (k, v) in m {
            guard let key = k.string else {
                throw SpindleError(.invalidValue, "mapping keys must be plain strings", at: child(k, key: "?").location)
            }
            let keyValue = child(k, key: key)
            guard allowed.contains(key) else {
                let suggestion = Spelling.nearest(key, in: allowed).map { "Did you mean '\($0)'?" }
                throw SpindleError(
                    .unknownKey, "unknown key '\(key)' in \(displayName)", at: keyValue.location,
                    choices: allowed, hint: suggestion)
            }
            entries.append((key, keyValue, child(v, key: key)))
        }
        for r in required where !entries.contains(where: { $0.0 == r }) {
            throw SpindleError(
                .missingKey, "\(displayName) needs the key '\(r)'", at: location,
                expected: "keys: " + allowed.joined(separator: ", "))
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    /// This node as a mapping with any plain-string keys.
    public func anyMapping() throws(SpindleError) -> YAMLMapping {
        guard case .mapping(let m) = node else { throw error("\(displayName) must be a mapping", expected: "a YAML mapping") }
        var keys: [String] = []
        for (k, _) in m {
            guard let key = k.string else {
                throw SpindleError(.invalidValue, "mapping keys must be plain strings", at: child(k, key: "?").location)
            }
            keys.append(key)
        }
        return try mapping(allowed: keys)
    }

    /// The node written back as YAML text (scalars as they are, collections in flow style).
    public func yamlText() throws(SpindleError) -> String {
        if case .scalar(let s) = node { return s.string }
        do {
            return try Yams.serialize(node: node).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw self.error("cannot write this value back as YAML")
        }
    }

    /// This node as a list.
    public func list() throws(SpindleError) -> [YAMLValue] {
        guard case .sequence(let seq) = node else { throw error("\(displayName) must be a list", expected: "a YAML list") }
        return seq.enumerated().map { child($0.element, key: "\($0.offset)") }
    }

    /// The node as a plain scalar string.
    public func string() throws(SpindleError) -> String {
        guard case .scalar(let s) = node else { throw error("\(displayName) must be a single value", expected: "a string") }
        return s.string
    }

    /// The node as a name: a non-empty string without control characters (names end up in reports,
    /// file names and terminals).
    public func name() throws(SpindleError) -> String {
        let s = try string()
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw error("\(displayName) is empty", expected: "a name") }
        guard !s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }), s.count <= 200 else {
            throw error("\(displayName) has control characters or is over 200 characters long", expected: "a printable name")
        }
        return s
    }

    /// The node as one of `choices`.
    public func choice(_ choices: [String]) throws(SpindleError) -> String {
        let s = try string()
        guard choices.contains(s) else {
            let hint = Spelling.nearest(s, in: choices).map { "Did you mean '\($0)'?" }
            throw error("\(displayName) is '\(s)', which is not a valid choice", choices: choices, hint: hint)
        }
        return s
    }

    /// The node as an integer within `range`.
    public func int(in range: ClosedRange<Int> = Int.min...Int.max) throws(SpindleError) -> Int {
        let s = try string()
        guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            throw error("\(displayName) is '\(s)'", expected: "a whole number")
        }
        guard range.contains(v) else { throw error("\(displayName) is \(v)", expected: "a whole number \(describe(range))") }
        return v
    }

    /// The node as a plain number (no unit) within `range`.
    public func double(in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        throws(SpindleError) -> Double
    {
        let s = try string()
        guard let v = Double(s.replacingOccurrences(of: "_", with: "")), v.isFinite else {
            throw error("\(displayName) is '\(s)'", expected: "a number")
        }
        guard range.contains(v) else {
            throw error("\(displayName) is \(s)", expected: "a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// The node as a quantity with an explicit unit, converted to the dimension's base unit. It must be
    /// positive (or zero with `allowZero`) and, when positive, within the dimension's `validRange`.
    public func quantity(_ dimension: UnitKind, allowZero: Bool = false) throws(SpindleError) -> Double {
        let s = try string()
        let units = dimension.units.map { $0.0 }
        switch dimension.parse(s) {
        case .failure(let why):
            throw error(
                "\(displayName): \(why)", expected: "a \(dimension.rawValue) with a unit, such as '2 \(dimension.baseUnit)'", choices: units
            )
        case .success(let v):
            if v < 0 || (!allowZero && v == 0) || !v.isFinite {
                throw error(
                    "\(displayName) is '\(s)'",
                    expected: (allowZero ? "zero or a positive \(dimension.rawValue) " : "a positive \(dimension.rawValue) ")
                        + dimension.validRangeText)
            }
            if v != 0 && !dimension.validRange.contains(v) {
                throw error(
                    "\(displayName) is '\(s)', \(v < dimension.validRange.lowerBound ? "below" : "above") the range Spindle models",
                    expected: (allowZero ? "zero or a positive \(dimension.rawValue) " : "a positive \(dimension.rawValue) ")
                        + dimension.validRangeText)
            }
            return v
        }
    }

    /// The node as a time in whole picoseconds (see `quantity`); values round to the nearest picosecond.
    public func picoseconds(allowZero: Bool = false) throws(SpindleError) -> Picoseconds {
        Picoseconds(try quantity(.time, allowZero: allowZero).rounded())
    }

    /// The node as a whole number of bytes within `range` (see `quantity`); `1 bit` is refused, not rounded.
    public func bytes(in range: ClosedRange<UInt64> = 1...(1 << 40)) throws(SpindleError) -> UInt64 {
        let v = try quantity(.size)
        guard v == v.rounded(.down) else {
            throw error(
                "\(displayName) is '\(try string())', which is not a whole number of bytes",
                expected: "a size of whole bytes, such as '32 B'")
        }
        let b = UInt64(v)
        guard range.contains(b) else {
            throw error("\(displayName) is \(b) bytes", expected: "a size from \(range.lowerBound) to \(range.upperBound) bytes")
        }
        return b
    }

    /// The node as a boolean (`true` / `false`).
    public func bool() throws(SpindleError) -> Bool {
        switch try string() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let s: throw error("\(displayName) is '\(s)'", expected: "true or false")
        }
    }

    private func describe(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return "of \(r.lowerBound) or more" }
        return "from \(r.lowerBound) to \(r.upperBound)"
    }
}

/// A checked YAML mapping: every key is known.
public struct YAMLMapping {
    public let owner: YAMLValue
    let entries: [(String, YAMLValue, YAMLValue)]

    /// The value under `key`, if present.
    public subscript(_ key: String) -> YAMLValue? { entries.first { $0.0 == key }?.2 }

    /// The value under a required key (a missing one is the user's error, reported at the mapping).
    public func required(_ key: String) throws(SpindleError) -> YAMLValue {
        guard let v = self[key] else {
            throw SpindleError(
                .missingKey, "'\(owner.path.isEmpty ? "the document" : owner.path)' needs the key '\(key)'", at: owner.location)
        }
        return v
    }

    /// Where `key` is written.
    public func keyLocation(_ key: String) -> SourceLocation? { entries.first { $0.0 == key }?.1.location }

    /// The keys present, in file order.
    public var keys: [String] { entries.map { $0.0 } }
}
