import SpindleCore

/// A small comma-separated table with a header line, as the ladder's reference files are written.
struct CSVTable {
    let path: String
    let header: [String]
    /// Data rows with their 1-based line numbers.
    let rows: [(line: Int, fields: [String])]

    init(path: String) throws(SpindleError) {
        self.path = path
        let lines = TextLines.split(try InputFile.text(path, what: "reference table")).enumerated().filter { !$0.element.isEmpty }
        guard let first = lines.first else { throw SpindleError(.syntax, "the table is empty", at: SourceLocation(file: path)) }
        header = first.element.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        rows = lines.dropFirst().map {
            (line: $0.offset + 1, fields: $0.element.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
    }

    func value(_ row: (line: Int, fields: [String]), _ column: String) throws(SpindleError) -> String {
        guard let i = header.firstIndex(of: column) else {
            throw SpindleError(.missingKey, "no column '\(column)'", at: SourceLocation(file: path, line: 1), choices: header)
        }
        guard i < row.fields.count else {
            throw SpindleError(
                .syntax, "the row has \(row.fields.count) fields, not \(header.count)", at: SourceLocation(file: path, line: row.line))
        }
        return row.fields[i].trimmingCharacters(in: .whitespaces)
    }

    func number(_ row: (line: Int, fields: [String]), _ column: String) throws(SpindleError) -> Double {
        let t = try value(row, column)
        guard let v = Double(t) else {
            throw SpindleError(.invalidValue, "'\(column)' is '\(t)'", at: SourceLocation(file: path, line: row.line), expected: "a number")
        }
        return v
    }
}
