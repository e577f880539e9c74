import SpindleCore

/// A memory trace in DRAMsim3's format: one request per line, `<hex address> <operation> <cycle>`.
///
/// Operations as DRAMsim3 reads them: `WRITE`, `write`, `P_MEM_WR` and `BOFF` are writes; `READ`, `read`,
/// `P_MEM_RD`, `P_FETCH` and the other CPU read kinds are reads. Blank lines and lines starting with `#`
/// are skipped.
public struct DRAMTrace: Sendable {
    public struct Request: Sendable, Equatable {
        public var address: UInt64
        public var isWrite: Bool
        /// The cycle from which the request may be issued.
        public var cycle: Int
    }

    public var requests: [Request]

    static let writes: Set<String> = ["WRITE", "write", "P_MEM_WR", "BOFF"]
    static let reads: Set<String> = ["READ", "read", "P_MEM_RD", "P_FETCH", "P_LOCK_RD", "P_LOCK_WR"]

    public init(requests: [Request]) { self.requests = requests }

    public static func parse(_ text: String, file: String) throws(SpindleError) -> DRAMTrace {
        var out: [Request] = []
        for (i, raw) in TextLines.split(text).enumerated() {
            let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            let at = SourceLocation(file: file, line: i + 1)
            guard fields.count == 3 else {
                throw SpindleError(.syntax, "expected '<hex address> <READ|WRITE> <cycle>', found '\(raw)'", at: at)
            }
            var hex = fields[0]
            if hex.hasPrefix("0x") || hex.hasPrefix("0X") { hex = hex.dropFirst(2) }
            guard let address = UInt64(hex, radix: 16) else {
                throw SpindleError(.invalidValue, "address '\(fields[0])'", at: at, expected: "a hexadecimal address such as 0x2000D5C0")
            }
            let op = String(fields[1])
            guard writes.contains(op) || reads.contains(op) else {
                throw SpindleError(.invalidValue, "operation '\(op)'", at: at, choices: (writes.union(reads)).sorted())
            }
            guard let cycle = Int(fields[2]), cycle >= 0 else {
                throw SpindleError(.invalidValue, "cycle '\(fields[2])'", at: at, expected: "a whole number of cycles, 0 or more")
            }
            out.append(Request(address: address, isWrite: writes.contains(op), cycle: cycle))
        }
        return DRAMTrace(requests: out)
    }

    public static func load(_ path: String) throws(SpindleError) -> DRAMTrace {
        try parse(try InputFile.text(path, what: "DRAMsim3 trace"), file: path)
    }
}
