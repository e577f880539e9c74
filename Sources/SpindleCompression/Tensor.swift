import SpindleCore

/// Element types Spindle reads and writes.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32, float16, bfloat16, int8, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32: return 4
        case .float16, .bfloat16: return 2
        case .int8: return 1
        case .float64: return 8
        }
    }
}

/// A dense tensor in row-major (C) order, stored as the raw little-endian bytes of its dtype.
///
/// Keeping the original bytes makes file round trips bit-exact for every dtype; `floats` converts to
/// `Float` for computation (exact for float16, bfloat16 and int8).
public struct Tensor: Sendable, Equatable {
    public var dtype: DType
    public var shape: [Int]
    /// Raw little-endian element bytes, `count * dtype.size` of them.
    public var bytes: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    /// Elements in a tensor of `shape`, or `nil` when a size is negative or the product overflows.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = p
        }
        return n
    }

    /// Bytes of a tensor of `shape` and `dtype`, or `nil` when the shape is invalid or the size overflows.
    public static func byteCount(_ shape: [Int], _ dtype: DType) -> Int? {
        guard let n = elementCount(shape) else { return nil }
        let (b, overflow) = n.multipliedReportingOverflow(by: dtype.size)
        return overflow ? nil : b
    }

    /// Wraps raw bytes; fails when their length does not match the shape.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws(SpindleError) {
        guard let size = Tensor.byteCount(shape, dtype) else {
            throw SpindleError(.invalidValue, "tensor shape \(shape) has a negative size or more elements than memory can address")
        }
        guard bytes.count == size else {
            throw SpindleError(
                .invalidValue, "tensor data holds \(bytes.count) bytes, but shape \(shape) of \(dtype.rawValue) needs \(size)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor from values.
    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not match \(floats.count) values")
        dtype = .float32
        self.shape = shape
        var b = [UInt8](repeating: 0, count: floats.count * 4)
        b.withUnsafeMutableBytes { raw in
            for (i, f) in floats.enumerated() { raw.storeBytes(of: f.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        bytes = b
    }

    /// The values as `Float`.
    public var floats: [Float] {
        let n = count
        return bytes.withUnsafeBytes { raw -> [Float] in
            var out = [Float](repeating: 0, count: n)
            switch dtype {
            case .float32:
                for i in 0..<n {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            case .float64:
                for i in 0..<n {
                    out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
                }
            case .float16:
                for i in 0..<n { out[i] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
            case .bfloat16:
                for i in 0..<n {
                    out[i] = Float(
                        bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
                }
            case .int8:
                for i in 0..<n { out[i] = Float(Int8(bitPattern: raw[i])) }
            }
            return out
        }
    }

    /// The first NaN or infinite element, if any: its flat (row-major) index and its value.
    public var firstNonFinite: (index: Int, value: Float)? {
        if dtype == .int8 { return nil }
        let values = floats
        return values.firstIndex { !$0.isFinite }.map { ($0, values[$0]) }
    }

    /// A row-major flat index written as a multi-index of the shape (`[2, 0, 1, 1]`).
    public func multiIndex(_ flat: Int) -> [Int] {
        var rest = flat
        var out = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            out[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return out
    }

    /// Converts to another dtype (rounding to nearest even for float16 and bfloat16, saturating for int8).
    public func converted(to target: DType) -> Tensor {
        if target == dtype { return self }
        let f = floats
        var b = [UInt8](repeating: 0, count: f.count * target.size)
        b.withUnsafeMutableBytes { raw in
            for (i, v) in f.enumerated() {
                switch target {
                case .float32: raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                case .float64: raw.storeBytes(of: Double(v).bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
                case .float16: raw.storeBytes(of: floatToHalf(v).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                case .bfloat16: raw.storeBytes(of: floatToBFloat(v).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                case .int8: raw[i] = UInt8(bitPattern: Int8(max(-128, min(127, v.rounded()))))
                }
            }
        }
        return try! Tensor(dtype: target, shape: shape, bytes: b)
    }
}

/// IEEE half to float (exact).
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exp = Int((h >> 10) & 0x1F)
    let mant = UInt32(h & 0x3FF)
    if exp == 0 {
        if mant == 0 { return Float(bitPattern: sign) }
        // Subnormal: mant * 2^-24.
        let v = Float(mant) * 0x1p-24
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
}

/// Float to IEEE half, rounding to nearest even.
func floatToHalf(_ f: Float) -> UInt16 {
    #if arch(x86_64) || arch(arm64)
        return Float16(f).bitPattern
    #else
        fatalError("float16 conversion needs Float16 support")
    #endif
}

/// Float to bfloat16, rounding to nearest even (NaN stays NaN).
func floatToBFloat(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x0040 }
    let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
    return UInt16((bits &+ rounding) >> 16)
}
