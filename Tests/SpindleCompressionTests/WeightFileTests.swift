import Foundation
import SpindleCore
import Testing

@testable import SpindleCompression

func fixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)).path
}

func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("spindle-\(UUID().uuidString).\(ext)").path
}

@Suite("Weight files")
struct WeightFileTests {
    let arange: [Float] = (0..<24).map { Float($0) / 7 }

    @Test("Reads .npy files written by NumPy")
    func npy() throws {
        let f32 = try WeightFiles.read(try fixture("f32.npy"))
        #expect(f32[0].tensor.shape == [2, 3, 4])
        #expect(f32[0].tensor.floats == arange)
        let f16 = try WeightFiles.read(try fixture("f16.npy"))[0].tensor
        #expect(f16.dtype == .float16)
        #expect(f16.floats == [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
        let i8 = try WeightFiles.read(try fixture("i8.npy"))[0].tensor
        #expect(i8.floats == [-128, -1, 0, 1, 127])
    }

    @Test("Reads stored and deflated .npz archives written by NumPy", arguments: ["stored.npz", "deflated.npz"])
    func npz(file: String) throws {
        let t = try WeightFiles.read(try fixture(file))
        #expect(t.map(\.name) == ["w", "b"])
        #expect(t[0].tensor.floats == arange)
        #expect(t[1].tensor.floats == [1.5, -2.25])
    }

    @Test("Reads .safetensors with F32, F16, BF16 and I8")
    func safetensors() throws {
        let t = Dictionary(uniqueKeysWithValues: try WeightFiles.read(try fixture("mixed.safetensors")).map { ($0.name, $0.tensor) })
        #expect(t["w"]?.floats == arange)
        #expect(t["h"]?.floats == [0, 0.25, 0.5, 0.75])
        #expect(t["bf"]?.dtype == .bfloat16)
        // bfloat16 keeps the top 16 bits: 0.15625 and 1, -2.5 are exact; 3e38 truncates.
        #expect(t["bf"]?.floats.prefix(3) == [1, -2.5, 0.15625])
        #expect(t["q"]?.floats == [-3, 0, 5])
    }

    /// Random raw bytes, including NaN payloads, infinities, subnormals and negative zero.
    func randomTensor(_ dtype: DType, seed: UInt64) throws -> Tensor {
        var rng = RandomStream(seed: seed)
        let shape = [3, 5, 2]
        let bytes = (0..<(30 * dtype.size)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return try Tensor(dtype: dtype, shape: shape, bytes: bytes)
    }

    @Test("Round trips are bit-exact for every written format and dtype", arguments: WeightFiles.Format.writable)
    func roundTrip(format: WeightFiles.Format) throws {
        for (i, dtype) in DType.allCases.enumerated() {
            // .npz members are .npy files, which have no bfloat16.
            if format != .safetensors && dtype == .bfloat16 { continue }
            let original = try randomTensor(dtype, seed: UInt64(i + 1))
            let path = temporaryPath(format.rawValue)
            try WeightFiles.write([NamedTensor("layer.w", original)], to: path)
            let back = try WeightFiles.read(path)
            #expect(back.count == 1)
            #expect(back[0].tensor == original, "\(format) \(dtype)")
            if format != .npy { #expect(back[0].name == "layer.w") }
        }
    }

    @Test("Uncompressed .npz round trips too, and many tensors keep their names")
    func npzStored() throws {
        let tensors = try (0..<5).map { NamedTensor("t\($0)", try randomTensor(.float32, seed: UInt64($0))) }
        let path = temporaryPath("npz")
        try WeightFiles.write(tensors, to: path, deflate: false)
        #expect(try WeightFiles.read(path) == tensors)
    }

    func corrupt(_ file: String, _ edit: (inout [UInt8]) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixture(file))))
        edit(&bytes)
        let path = temporaryPath(String(file.split(separator: ".").last!))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(
        "Truncated or corrupted files are clear errors",
        arguments: [
            ("f32.npy", "truncated"), ("deflated.npz", "CRC"), ("stored.npz", "CRC"), ("mixed.safetensors", "past the end"),
            ("f32.npy", "magic"),
        ])
    func corrupted(file: String, expected: String) throws {
        let path = try corrupt(file) { b in
            switch expected {
            case "truncated": b.removeLast(5)
            case "CRC": b[b.count / 3] ^= 0x55
            case "past the end":
                b[0] = 0xFF
                b[1] = 0xFF
            default: b[0] = 0
            }
        }
        let message: String
        do {
            _ = try WeightFiles.read(path)
            Issue.record("expected an error for \(file)")
            return
        } catch {
            message = error.description
        }
        #expect(message.contains(path))
        #expect(message.contains(expected) || (expected == "CRC" && message.contains("inflate")), "\(message)")
    }

    @Test("Unknown extensions and missing files are clear errors")
    func wrongFiles() {
        #expect(throws: SpindleError.self) { _ = try WeightFiles.read("/tmp/x.pt") }
        #expect(throws: SpindleError.self) { _ = try WeightFiles.read("/no/such.npy") }
    }

    @Test("A shape that does not match the data is refused")
    func shapeMismatch() {
        #expect(throws: SpindleError.self) { _ = try Tensor(dtype: .float32, shape: [2, 2], bytes: [0, 0, 0, 0]) }
    }

    @Test("bfloat16 cannot go to .npy, with a hint")
    func bf16npy() throws {
        let t = try randomTensor(.bfloat16, seed: 3)
        #expect(throws: SpindleError.self) { try WeightFiles.write([NamedTensor("x", t)], to: temporaryPath("npy")) }
    }
}
