import Foundation

/// Reads user-named input files with the checks every format shares.
///
/// A missing path, a directory or device given as a file, an unreadable file, a file over `maxBytes`
/// and (for text) bytes that are not UTF-8 are `SpindleError`s naming the path; nothing here traps.
public enum InputFile {
    /// Text configuration files larger than this are refused (the largest shipped file is a few KiB).
    public static let maxTextBytes = 16 << 20

    /// What a path names, following symbolic links.
    public enum Kind: Sendable, Equatable {
        case missing, directory, other
        /// A regular file of this many bytes.
        case regular(Int64)
    }

    public static func kind(_ path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular(Int64(info.st_size))
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The raw bytes of `path`; `what` names the kind of file in messages ("DRAMsim3 config").
    public static func bytes(_ path: String, what: String = "file", maxBytes: Int = Int.max, at: SourceLocation? = nil) throws(SpindleError)
        -> Data
    {
        guard !path.isEmpty else { throw SpindleError(.fileNotFound, "the \(what) path is empty", at: at) }
        switch kind(path) {
        case .missing:
            throw SpindleError(
                .fileNotFound, "no such file '\(path)' (\(what == "file" ? "an input" : "a " + what))", at: at,
                hint: "Check the path; relative paths are resolved against the current directory or the file that names them")
        case .directory:
            throw SpindleError(.io, "'\(path)' is a directory, not a \(what)", at: at, expected: "a regular file")
        case .other:
            throw SpindleError(.io, "'\(path)' is a device or special file, not a \(what)", at: at, expected: "a regular file")
        case .regular(let size) where size > Int64(maxBytes):
            throw SpindleError(
                .invalidValue, "'\(path)' is \(size) bytes, too large for a \(what)", at: at, expected: "at most \(maxBytes) bytes")
        case .regular:
            break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpindleError(.io, "cannot read '\(path)'", at: at, hint: "Check its permissions")
        }
        guard data.count <= maxBytes else {
            throw SpindleError(
                .invalidValue, "'\(path)' is \(data.count) bytes, too large for a \(what)", at: at, expected: "at most \(maxBytes) bytes")
        }
        return data
    }

    /// The UTF-8 text of `path`, with a leading byte-order mark removed.
    public static func text(_ path: String, what: String = "file", at: SourceLocation? = nil) throws(SpindleError) -> String {
        try decode(try bytes(path, what: what, maxBytes: maxTextBytes, at: at), file: path, what: what)
    }

    /// Decodes bytes as UTF-8 text; NUL bytes or invalid UTF-8 mean a binary file, reported as such.
    public static func decode(_ data: Data, file: String, what: String = "file") throws(SpindleError) -> String {
        if let nul = data.firstIndex(of: 0) {
            throw SpindleError(
                .syntax, "'\(file)' holds binary data (a NUL byte at offset \(nul - data.startIndex)), not a text \(what)",
                at: SourceLocation(file: file))
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw SpindleError(.syntax, "'\(file)' is not UTF-8 text", at: SourceLocation(file: file), expected: "a UTF-8 text \(what)")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }
}

/// Splits text into lines for the line-based formats (DRAMsim3 .ini, BookSim2 configs, SCALE-Sim files).
///
/// `\n`, `\r\n` and a lone `\r` all end a line, so files saved on Windows or classic Mac OS read the same
/// as Unix files (Swift treats `\r\n` as one character, which a split on `"\n"` would not break).
public enum TextLines {
    public static func split(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }
}
