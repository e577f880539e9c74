import Foundation
import Testing

/// Cases per generator in a CI run; `SPINDLE_FUZZ_SCALE=k` runs k times as many (with other seeds).
let fuzzScale = Int(ProcessInfo.processInfo.environment["SPINDLE_FUZZ_SCALE"] ?? "") ?? 1

func expectClean(_ cases: [FuzzCase]) {
    let outcomes = FuzzRunner.runAll(cases)
    let bad = outcomes.filter { $0.verdict != .clean }
    #expect(outcomes.count == cases.count)
    let report = "\(bad.count) of \(cases.count) cases failed:\n" + bad.prefix(30).map(\.description).joined(separator: "\n")
    #expect(bad.isEmpty, Comment(rawValue: report))
}

@Suite("Fuzzing: hostile inputs end in a result or one clear error, never a crash or a hang", .serialized)
struct FuzzTests {
    @Test("Mutated scenarios, topologies and technology tables")
    func yaml() {
        expectClean(FuzzCorpus.yamlCases(count: 60 * fuzzScale, seed: 11 + UInt64(fuzzScale)))
    }

    @Test("Mutated DRAMsim3, BookSim2 and SCALE-Sim inputs")
    func peers() {
        expectClean(FuzzCorpus.peerCases(count: 60 * fuzzScale, seed: 23 + UInt64(fuzzScale)))
    }

    @Test("Damaged and lying weight files")
    func weights() {
        expectClean(FuzzCorpus.weightCases(count: 45 * fuzzScale, seed: 37 + UInt64(fuzzScale)))
    }

    @Test("Hostile command-line values")
    func options() {
        expectClean(FuzzCorpus.optionCases(count: 40 * fuzzScale, seed: 41 + UInt64(fuzzScale)))
    }
}

@Suite("Known hostile inputs: each class the fuzzers found, refused with a message naming the problem", .serialized)
struct KnownHostileInputTests {
    @Test("Every known case ends in its expected error")
    func known() {
        expectClean(KnownCases.all)
    }
}
