import CZlib
import Foundation
import SpindleCore
import SpindleWorkload

/// A named tensor, as stored in weight files.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var tensor: Tensor
    public init(_ name: String, _ tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// Reads and writes `.npy`, `.npz` (stored or deflated) and `.safetensors` without Python, and reads the
/// layer weights of `.onnx` models.
///
/// Every malformed input (bad magic, truncated data, CRC mismatch, shape and size disagreeing, unknown
/// dtype) is a `SpindleError` naming the file and what is wrong.
public enum WeightFiles {
    /// File formats by extension.
    public enum Format: String, Sendable, CaseIterable {
        case npy, npz, safetensors, onnx

        /// The formats Spindle also writes (ONNX models are read only).
        public static let writable: [Format] = [.npy, .npz, .safetensors]

        public static func of(path: String) throws(SpindleError) -> Format {
            let ext = path.split(separator: ".").last.map(String.init)?.lowercased() ?? ""
            guard let f = Format(rawValue: ext) else {
                throw SpindleError(
                    .unsupported, "cannot tell the format of '\(path)' from its extension",
                    choices: Format.allCases.map { "." + $0.rawValue })
            }
            return f
        }
    }

    /// Reads every tensor in a file (an `.npy` file gives one tensor named after the file).
    public static func read(_ path: String) throws(SpindleError) -> [NamedTensor] {
        let format = try Format.of(path: path)
        if format == .onnx { return try onnx(path) }
        let bytes = [UInt8](try InputFile.bytes(path, what: "weight file"))
        switch format {
        case .npy:
            let base = (path.split(separator: "/").last.map(String.init) ?? path).replacingOccurrences(of: ".npy", with: "")
            return [NamedTensor(base, try NPY.decode(bytes, file: path))]
        case .npz: return try NPZ.decode(bytes, file: path)
        case .safetensors: return try SafeTensors.decode(bytes, file: path)
        case .onnx: return try onnx(path)
        }
    }

    /// An ONNX model's layer weights, each named after its layer (`ONNXModel.weights`).
    static func onnx(_ path: String) throws(SpindleError) -> [NamedTensor] {
        try ONNXModel.weights(path: path).map { w throws(SpindleError) -> NamedTensor in
            let dtype: DType
            switch w.elementType {
            case 1: dtype = .float32
            case 3: dtype = .int8
            case 10: dtype = .float16
            case 11: dtype = .float64
            default: dtype = .bfloat16
            }
            return NamedTensor(w.name, try Tensor(dtype: dtype, shape: w.shape, bytes: w.bytes))
        }
    }

    /// Writes tensors to `path` atomically, in the format its extension names. `.npy` takes exactly one.
    public static func write(_ tensors: [NamedTensor], to path: String, deflate: Bool = true) throws(SpindleError) {
        let bytes: [UInt8]
        switch try Format.of(path: path) {
        case .npy:
            guard tensors.count == 1 else {
                throw SpindleError(.invalidValue, "an .npy file holds one tensor, not \(tensors.count)", hint: "Use .npz or .safetensors")
            }
            bytes = try NPY.encode(tensors[0].tensor)
        case .npz: bytes = try NPZ.encode(tensors, deflate: deflate)
        case .safetensors: bytes = try SafeTensors.encode(tensors)
        case .onnx:
            throw SpindleError(.unsupported, "Spindle reads ONNX models but does not write them", hint: "Write .npz or .safetensors")
        }
        try AtomicFile.write(Data(bytes), to: path)
    }
}

// MARK: - NPY

enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    static func decode(_ b: [UInt8], file: String) throws(SpindleError) -> Tensor {
        func bad(_ why: String) -> SpindleError { SpindleError(.syntax, "'\(file)' is not a valid .npy file: \(why)") }
        guard b.count >= 10, Array(b[0..<6]) == magic else { throw bad("the magic string \\x93NUMPY is missing") }
        let major = b[6]
        let headerLength: Int
        let start: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            start = 10
        case 2, 3:
            guard b.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        default:
            throw bad("format version \(major) is not supported (1, 2 and 3 are)")
        }
        guard b.count >= start + headerLength else { throw bad("truncated header") }
        guard let header = String(bytes: b[start..<(start + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw bad("the header is not text")
        }
        guard let descr = field(header, "descr").flatMap(unquote) else { throw bad("the header has no 'descr'") }
        guard let fortran = field(header, "fortran_order") else { throw bad("the header has no 'fortran_order'") }
        guard let shapeText = field(header, "shape") else { throw bad("the header has no 'shape'") }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var dims: [Int] = []
        for s in shape {
            guard let d = Int(s), d >= 0 else { throw bad("shape '\(shapeText)' is not a tuple of sizes") }
            dims.append(d)
        }
        guard fortran.trimmingCharacters(in: .whitespaces) == "False" else {
            throw SpindleError(.unsupported, "'\(file)' is stored in Fortran order", hint: "Save it with numpy.ascontiguousarray first")
        }
        let (dtype, bigEndian) = try dtypeOf(descr, file: file)
        let dataStart = start + headerLength
        guard let size = Tensor.byteCount(dims, dtype) else {
            throw bad("shape \(dims) has more elements than memory can address")
        }
        guard b.count - dataStart == size else {
            throw bad("it holds \(b.count - dataStart) data bytes, but shape \(dims) of \(descr) needs \(size) (truncated or corrupted)")
        }
        var data = Array(b[dataStart...])
        if bigEndian && dtype.size > 1 {
            for i in stride(from: 0, to: data.count, by: dtype.size) { data[i..<(i + dtype.size)].reverse() }
        }
        return try Tensor(dtype: dtype, shape: dims, bytes: data)
    }

    static func dtypeOf(_ descr: String, file: String) throws(SpindleError) -> (DType, Bool) {
        let order = descr.first
        let code = String(descr.dropFirst())
        let big = order == ">"
        switch code {
        case "f4": return (.float32, big)
        case "f2": return (.float16, big)
        case "f8": return (.float64, big)
        case "i1": return (.int8, false)
        default:
            throw SpindleError(
                .unsupported, "'\(file)' holds dtype '\(descr)'", expected: "float32, float16, float64 or int8",
                choices: ["<f4", "<f2", "<f8", "|i1"])
        }
    }

    static func field(_ header: String, _ key: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        var rest = header[r.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
        return String(rest).trimmingCharacters(in: .whitespaces)
    }

    static func unquote(_ s: String) -> String? {
        guard s.count >= 2, s.first == "'" || s.first == "\"", s.last == s.first else { return nil }
        return String(s.dropFirst().dropLast())
    }

    static func encode(_ t: Tensor) throws(SpindleError) -> [UInt8] {
        let descr: String
        switch t.dtype {
        case .float32: descr = "<f4"
        case .float16: descr = "<f2"
        case .float64: descr = "<f8"
        case .int8: descr = "|i1"
        case .bfloat16:
            throw SpindleError(.unsupported, ".npy has no bfloat16 type", hint: "Write bfloat16 tensors to .safetensors")
        }
        let shape = t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        let h = Array(header.utf8)
        return magic + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + t.bytes
    }
}

// MARK: - NPZ (ZIP)

enum NPZ {
    static func decode(_ b: [UInt8], file: String) throws(SpindleError) -> [NamedTensor] {
        func bad(_ why: String) -> SpindleError { SpindleError(.syntax, "'\(file)' is not a valid .npz file: \(why)") }
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
        guard b.count >= 22 else { throw bad("too short to be a ZIP archive (truncated?)") }
        var eocd = -1
        var i = b.count - 22
        while i >= max(0, b.count - 22 - 65_535) {
            if b[i] == 0x50 && b[i + 1] == 0x4B && b[i + 2] == 0x05 && b[i + 3] == 0x06 {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw bad("no ZIP end-of-directory record (truncated?)") }
        let entries = u16(eocd + 10)
        let dirOffset = u32(eocd + 16)
        guard dirOffset != 0xFFFF_FFFF else { throw SpindleError(.unsupported, "'\(file)' is a ZIP64 archive, which is not supported") }
        var out: [NamedTensor] = []
        var inflated = 0
        var p = dirOffset
        for _ in 0..<entries {
            guard p + 46 <= b.count, u32(p) == 0x0201_4B50 else { throw bad("damaged central directory") }
            let method = u16(p + 10)
            let crc = UInt32(u32(p + 16))
            let compressed = u32(p + 20)
            let size = u32(p + 24)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            let local = u32(p + 42)
            guard p + 46 + nameLength <= b.count else { throw bad("damaged central directory") }
            let name = String(decoding: b[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            p += 46 + nameLength + extraLength + commentLength
            guard local + 30 <= b.count, u32(local) == 0x0403_4B50 else { throw bad("damaged entry '\(name)'") }
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            guard dataStart + compressed <= b.count else { throw bad("entry '\(name)' is truncated") }
            let raw = Array(b[dataStart..<(dataStart + compressed)])
            let content: [UInt8]
            switch method {
            case 0: content = raw
            case 8:
                // Deflate cannot expand data by more than 1032:1, so a larger claimed size is a lie that must
                // not be allocated (a 1 KB archive claiming 4 GiB).
                guard size <= compressed * 1032 + 64 else {
                    throw bad("entry '\(name)' claims \(size) bytes from \(compressed) compressed bytes, more than deflate can produce")
                }
                inflated += size
                guard Double(inflated) <= Double(ProcessInfo.processInfo.physicalMemory) / 4 else {
                    throw SpindleError(
                        .capacity, "'\(file)' inflates to more than \(inflated) bytes, over a quarter of this machine's memory",
                        expected: "weights that fit in memory")
                }
                content = try inflate(raw, expected: size, file: file, entry: name)
            default:
                throw SpindleError(
                    .unsupported, "'\(file)': entry '\(name)' uses ZIP method \(method)", choices: ["stored (0)", "deflated (8)"])
            }
            guard content.count == size, crc32Of(content) == crc else { throw bad("entry '\(name)' fails its CRC check (corrupted)") }
            let tensorName = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            out.append(NamedTensor(tensorName, try NPY.decode(content, file: "\(file):\(name)")))
        }
        return out
    }

    static func encode(_ tensors: [NamedTensor], deflate: Bool) throws(SpindleError) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        for t in tensors {
            let content = try NPY.encode(t.tensor)
            let stored = deflate ? try deflateRaw(content) : content
            let method = deflate ? 8 : 0
            let crc = Int(crc32Of(content))
            let name = Array((t.name + ".npy").utf8)
            guard out.count < 0xFFFF_FFFF, content.count < 0xFFFF_FFFF else {
                throw SpindleError(.unsupported, "tensor '\(t.name)' is too large for a ZIP archive without ZIP64")
            }
            let offset = out.count
            // Fixed date 1980-01-01 keeps the archive byte-identical between runs.
            let common =
                le16(20) + le16(0) + le16(method) + le16(0) + le16(0x21) + le32(crc) + le32(stored.count)
                + le32(content.count) + le16(name.count) + le16(0)
            out += le32(0x0403_4B50) + common + name + stored
            directory += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name
        }
        let dirOffset = out.count
        out += directory
        out +=
            le32(0x0605_4B50) + le16(0) + le16(0) + le16(tensors.count) + le16(tensors.count) + le32(directory.count)
            + le32(dirOffset) + le16(0)
        return out
    }

    static func crc32Of(_ b: [UInt8]) -> UInt32 {
        b.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    static func inflate(_ input: [UInt8], expected: Int, file: String, entry: String) throws(SpindleError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(expected, 1))
        var stream = z_stream()
        var status = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw SpindleError(.io, "zlib could not start inflating '\(entry)' in '\(file)'") }
        defer { inflateEnd(&stream) }
        var input = input
        status = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw SpindleError(.syntax, "'\(file)': entry '\(entry)' does not inflate to its stated size (corrupted or truncated)")
        }
        return Array(output.prefix(expected))
    }

    static func deflateRaw(_ input: [UInt8]) throws(SpindleError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw SpindleError(.io, "zlib could not start deflating")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw SpindleError(.io, "zlib could not deflate (status \(status))") }
        return Array(output.prefix(Int(stream.total_out)))
    }
}

// MARK: - safetensors

enum SafeTensors {
    static let names: [DType: String] = [.float32: "F32", .float16: "F16", .bfloat16: "BF16", .int8: "I8", .float64: "F64"]

    static func decode(_ b: [UInt8], file: String) throws(SpindleError) -> [NamedTensor] {
        func bad(_ why: String) -> SpindleError { SpindleError(.syntax, "'\(file)' is not a valid .safetensors file: \(why)") }
        guard b.count >= 8 else { throw bad("shorter than its 8-byte header length (truncated?)") }
        var n = 0
        for i in 0..<8 { n |= Int(b[i]) << (8 * i) }
        guard n >= 2, n <= b.count - 8 else { throw bad("its header length \(n) runs past the end of the file (truncated?)") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(b[8..<(8 + n)]))
        } catch {
            throw bad("its header is not JSON")
        }
        guard let header = json as? [String: Any] else { throw bad("its header is not a JSON object") }
        let dataStart = 8 + n
        var out: [NamedTensor] = []
        for name in header.keys.sorted() where name != "__metadata__" {
            guard let entry = header[name] as? [String: Any], let dtypeName = entry["dtype"] as? String,
                let shape = wholeNumbers(entry["shape"]), let offsets = wholeNumbers(entry["data_offsets"]), offsets.count == 2
            else { throw bad("entry '\(name)' lacks dtype, shape or data_offsets as whole numbers") }
            guard let dtype = names.first(where: { $0.value == dtypeName })?.key else {
                throw SpindleError(
                    .unsupported, "'\(file)': tensor '\(name)' has dtype \(dtypeName)", choices: names.values.sorted())
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= b.count - dataStart else {
                throw bad("tensor '\(name)' has data outside the file (truncated?)")
            }
            guard let expected = Tensor.byteCount(shape, dtype) else {
                throw bad("tensor '\(name)' has shape \(shape), with a negative size or more elements than memory can address")
            }
            guard end - begin == expected else {
                throw bad("tensor '\(name)' has \(end - begin) bytes, but shape \(shape) of \(dtypeName) needs \(expected)")
            }
            out.append(NamedTensor(name, try Tensor(dtype: dtype, shape: shape, bytes: Array(b[(dataStart + begin)..<(dataStart + end)]))))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// A JSON array of whole numbers that fit an `Int`, or `nil` (fractions, huge or negative-zero values,
    /// strings and booleans are all refused rather than rounded or trapped on).
    static func wholeNumbers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in array {
            guard let n = item as? NSNumber else { return nil }
            let d = n.doubleValue
            guard d.isFinite, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
            out.append(n.intValue)
        }
        return out
    }

    static func encode(_ tensors: [NamedTensor]) throws(SpindleError) -> [UInt8] {
        var entries: [String] = []
        var offset = 0
        for t in tensors {
            let size = t.tensor.bytes.count
            let name = t.name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            entries.append(
                "\"\(name)\":{\"dtype\":\"\(names[t.tensor.dtype]!)\",\"shape\":[\(t.tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}"
            )
            offset += size
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        for i in 0..<8 { out.append(UInt8(header.count >> (8 * i) & 0xFF)) }
        out += header
        for t in tensors { out += t.tensor.bytes }
        return out
    }
}
