import Foundation
import Testing

@testable import SpindleCore

@Suite("Input safety helpers")
struct InputSafetyTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        func digest(_ s: String) -> String {
            var h = SHA256()
            h.update(s.utf8)
            return h.hexDigest()
        }
        #expect(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A million 'a's crosses many blocks.
        var h = SHA256()
        h.update([UInt8](repeating: 0x61, count: 1_000_000))
        #expect(h.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Lines split the same for LF, CRLF and CR endings")
    func lines() {
        let lf = TextLines.split("a = 1\nb = 2\n\nc = 3")
        #expect(lf.count == 4)
        #expect(TextLines.split("a = 1\r\nb = 2\r\n\r\nc = 3") == lf)
        #expect(TextLines.split("a = 1\rb = 2\r\rc = 3") == lf)
    }

    @Test("Every quantity's valid range is positive, finite and ordered")
    func ranges() {
        for kind in UnitKind.allCases {
            let r = kind.validRange
            #expect(r.lowerBound > 0 && r.upperBound.isFinite && r.lowerBound < r.upperBound, "\(kind)")
        }
        // The extremes convert to integer picoseconds and bytes without overflow.
        #expect(UInt64(exactly: UnitKind.time.validRange.upperBound) != nil)
        #expect(UInt64(exactly: UnitKind.size.validRange.upperBound) != nil)
    }

    @Test("The work limit refuses past its seconds, notes long work, and says how long")
    func workLimit() throws {
        let limit = WorkLimit(allowLong: false, environment: ["SPINDLE_WORK_LIMIT_S": "100"])
        #expect(limit.seconds == 100)
        #expect(try limit.check("x", units: 1e3, unitName: "events", perSecond: 1e3, hint: "h") == nil)
        #expect(try limit.check("x", units: 5e4, unitName: "events", perSecond: 1e3, hint: "h")?.contains("50 s") == true)
        #expect(throws: SpindleError.self) { try limit.check("x", units: 1e6, unitName: "events", perSecond: 1e3, hint: "h") }
        #expect(throws: SpindleError.self) { try limit.check("x", units: .infinity, unitName: "events", perSecond: 1e3, hint: "h") }
        let allowed = WorkLimit(allowLong: true, environment: [:])
        #expect(allowed.seconds == WorkLimit.defaultSeconds)
        #expect(try allowed.check("x", units: 1e12, unitName: "events", perSecond: 1e3, hint: "h") != nil)
        #expect(WorkLimit.describe(seconds: 7_200) == "2.0 h")
        #expect(WorkLimit.format(2.5e9) == "2.5e9")
    }

    @Test("Atomic writes leave devices devices and follow links to regular files")
    func atomicWrites() throws {
        try AtomicFile.write(Data("x".utf8), to: "/dev/null")
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(type == .typeCharacterSpecial)
        let dir = NSTemporaryDirectory() + "spindle-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/t"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir + "/t")
        try FileManager.default.createSymbolicLink(atPath: dir + "/l", withDestinationPath: "t")
        try AtomicFile.write(Data("new".utf8), to: dir + "/l")
        #expect(try String(contentsOfFile: dir + "/t", encoding: .utf8) == "new")
        #expect((try FileManager.default.attributesOfItem(atPath: dir + "/t")[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/l") == "t")
        #expect { try AtomicFile.write(Data(), to: dir) } throws: { "\($0)".contains("is a directory") }
    }

    @Test("Directories, devices and missing files are named as such")
    func inputFiles() {
        #expect { _ = try InputFile.text(NSTemporaryDirectory()) } throws: { "\($0)".contains("is a directory") }
        #expect { _ = try InputFile.text("/dev/zero") } throws: { "\($0)".contains("device") }
        // A link to a device is the device: reading it through the link would never end.
        let link = NSTemporaryDirectory() + "spindle-zero-\(UUID().uuidString).yaml"
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect { _ = try InputFile.text(link) } throws: { "\($0)".contains("device") }
        #expect { _ = try InputFile.text("/no/such/file.yaml", what: "YAML file") } throws: { "\($0)".contains("no such file") }
        #expect { _ = try InputFile.decode(Data([0x61, 0, 0x62]), file: "b") } throws: { "\($0)".contains("binary") }
        #expect((try? InputFile.decode(Data([0xEF, 0xBB, 0xBF, 0x61]), file: "bom")) == "a")
    }
}
