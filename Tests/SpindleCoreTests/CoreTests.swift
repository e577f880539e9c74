import Testing

@testable import SpindleCore

@Suite("Units and quantities")
struct UnitTests {
    @Test(
        "Quantities convert to base units",
        arguments: [
            (UnitKind.time, "3 ns", 3_000.0), (.time, "1.5us", 1_500_000), (.time, "250 ps", 250),
            (.frequency, "800 MHz", 0.8), (.bandwidth, "25.6 GB/s", 25.6), (.size, "64 KiB", 65_536),
            (.size, "256 B", 256), (.energy, "40.4 fJ", 0.0404), (.length, "500 um", 0.5),
        ])
    func parse(kind: UnitKind, text: String, expected: Double) throws {
        let v = try kind.parse(text).get()
        #expect(abs(v - expected) <= 1e-9 * max(1, expected))
    }

    @Test("A missing or wrong unit is refused", arguments: ["3", "3 GHz", "fast", "", "2 KB/s"])
    func refuse(text: String) {
        #expect(throws: QuantityError.self) { try UnitKind.time.parse(text).get() }
    }

    @Test("Transfer and cycle times round as documented")
    func transfer() {
        #expect(Units.transferPs(bytes: 256, gbPerSecond: 32) == 8_000)
        #expect(Units.transferPs(bytes: 1, gbPerSecond: 3) == 334)  // 333.3 ps rounded up
        #expect(Units.transferPs(bytes: 0, gbPerSecond: 3) == 0)
        #expect(Units.cyclePs(gHz: 1) == 1_000)
        #expect(Units.cyclePs(gHz: 3) == 333)
    }

    @Test("Formatting")
    func formatting() {
        #expect(Units.format(3.14159, 2) == "3.14")
        #expect(Units.format(-0.5, 1) == "-0.5")
        #expect(Units.format(2, 0) == "2")
        #expect(Units.formatTime(41_600) == "41.600 ns")
        #expect(Units.formatBytes(65_536) == "64.00 KiB")
        #expect(Units.formatEnergy(1_500) == "1.500 nJ")
    }
}

@Suite("Spelling suggestions")
struct SpellingTests {
    @Test func distance() {
        #expect(Spelling.distance("kitten", "sitting") == 3)
        #expect(Spelling.distance("", "abc") == 3)
    }

    @Test func nearest() {
        #expect(Spelling.nearest("widht", in: ["width", "height"]) == "width")
        #expect(Spelling.nearest("zzzzzz", in: ["width", "height"]) == nil)
    }

    @Test("Errors read as one paragraph with location, expectation and choices")
    func errorText() {
        let e = SpindleError(
            .invalidValue, "bad", at: SourceLocation(file: "a.yaml", line: 3, column: 7), expected: "x",
            choices: ["p", "q"], hint: "Try p")
        #expect(e.description == "error: a.yaml:3:7: bad; expected x; valid choices: p, q. Try p.")
    }
}

@Suite("Random streams")
struct RandomTests {
    @Test("Streams are reproducible and distinct")
    func reproducible() {
        var a = RandomStream(seed: 5, stream: 1), b = RandomStream(seed: 5, stream: 1), c = RandomStream(seed: 5, stream: 2)
        let xa = (0..<4).map { _ in a.next() }, xb = (0..<4).map { _ in b.next() }, xc = (0..<4).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test("Exponential variates have the requested mean (within 2 %)")
    func exponentialMean() {
        var r = RandomStream(seed: 11)
        let n = 200_000
        var sum = 0.0
        for _ in 0..<n { sum += Double(r.nextExponential(mean: 1_000)) }
        // Truncation to whole numbers lowers the mean by about 0.5.
        #expect(abs(sum / Double(n) - 999.5) < 20)
    }

    @Test("nextBelow stays in range and covers it")
    func below() {
        var r = RandomStream(seed: 3)
        var seen = Set<UInt64>()
        for _ in 0..<1_000 {
            let v = r.nextBelow(7)
            #expect(v < 7)
            seen.insert(v)
        }
        #expect(seen.count == 7)
    }
}

@Suite("Terminal bars")
struct TextBarTests {
    @Test("Bars are the fraction of the width in eighths of a cell, clamped, padded on request")
    func bars() {
        #expect(TextBar.bar(0.5, width: 4) == "██")
        #expect(TextBar.bar(1.0 / 32, width: 4) == "▏")
        #expect(TextBar.bar(0.3, width: 10) == "███")
        #expect(TextBar.bar(0.3125, width: 10) == "███▏")
        #expect(TextBar.bar(2, width: 2, padded: true) == "██")
        #expect(TextBar.bar(-1, width: 3, padded: true) == "   ")
        #expect(TextBar.bar(.nan, width: 3) == "")
    }
}
