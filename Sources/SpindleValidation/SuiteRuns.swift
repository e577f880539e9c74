import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleWorkload

/// Runs the scenarios a validation suite needs, each (file, overrides) once, compressing each set of
/// synthetic weights once however many scenarios use it.
public actor SuiteRuns {
    /// The folder the suite's scenario files are read from.
    public let directory: String
    let options: EngineOptions
    private var reports: [String: RunReport] = [:]
    /// Compressions done so far, found by equality of everything that determines them.
    private var compressions: [(shapes: [WeightShape], settings: CompressionSettings, seed: UInt64, report: CompressionReport)] = []
    /// Called with the name of each run as it starts (progress for people).
    private let started: (@Sendable (String) -> Void)?

    public init(directory: String, options: EngineOptions = EngineOptions(workers: 1), started: (@Sendable (String) -> Void)? = nil) {
        self.directory = directory
        self.options = options
        self.started = started
    }

    /// The path of a suite scenario file.
    public func path(_ file: String) -> String { directory + "/" + file }

    /// The report of `file` run with `overrides` (dotted keys as in `--set`).
    public func report(_ file: String, _ overrides: [(String, String)] = []) async throws(SpindleError) -> RunReport {
        let key = ([file] + overrides.map { "\($0.0)=\($0.1)" }).joined(separator: " ")
        if let r = reports[key] { return r }
        started?(key)
        let scenario = try ScenarioLoader.load(
            path(file), overrides: overrides.map { Override(path: $0.0.split(separator: ".").map(String.init), value: $0.1) })
        var network = scenario.network
        if let settings = scenario.compression {
            let report = compression(network.weightShapes, settings: settings, seed: scenario.seed, source: network.name)
            network.encodings = Compressor.encodings(of: report, settings: settings, network: network)
        }
        let prepared = try ScenarioRunner.prepare(scenario, encodedNetwork: network)
        let r = try await ScenarioRunner.run(prepared, options: options)
        reports[key] = r
        return r
    }

    /// The compression of seeded synthetic weights of `shapes` (computed once per shapes, settings and seed).
    public func compression(_ shapes: [WeightShape], settings: CompressionSettings, seed: UInt64, source: String) -> CompressionReport {
        if let done = compressions.first(where: { $0.shapes == shapes && $0.settings == settings && $0.seed == seed }) {
            return done.report
        }
        started?("compress \(source) (\(settings.method.rawValue))")
        let r = Compressor.run(Compressor.synthetic(shapes, seed: seed), settings: settings, source: source).report
        compressions.append((shapes, settings, seed, r))
        return r
    }
}
