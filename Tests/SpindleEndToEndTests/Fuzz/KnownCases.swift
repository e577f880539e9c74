import Foundation

/// Hand-written hostile inputs, one per class of failure seen before: each must be refused with a message
/// that names the problem (or, where marked, must run and warn).
enum KnownCases {
    static let topology = FuzzCorpus.file("topologies/four-chip-4x4.yaml")
        .replacingOccurrences(of: "technology: tech/horowitz45.yaml", with: "technology: \(FuzzCorpus.techPath)")
    static let ddr4 = FuzzCorpus.file(FuzzCorpus.fixtures + "dramsim3/DDR4_8Gb_x8_3200.ini")
    static let mesh = FuzzCorpus.file(FuzzCorpus.fixtures + "booksim2/meshconfig")
    static let cfg = FuzzCorpus.file(FuzzCorpus.fixtures + "scale-sim/scale-v2.cfg")
    static let conv = FuzzCorpus.file(FuzzCorpus.fixtures + "scale-sim/alexnet_part.csv")

    /// `base` (the four-chip topology unless given) with one change, under `scenario`.
    static func topologyCase(
        _ name: String, _ from: String, _ to: String, message: String, base: String = topology,
        scenario: String = FuzzCorpus.scenario(topology: "t.yaml")
    ) -> FuzzCase {
        precondition(base.contains(from), "the base topology has no '\(from)'")
        return FuzzCase(
            name: name,
            files: ["s.yaml": Data(scenario.utf8), "t.yaml": Data(base.replacingOccurrences(of: from, with: to).utf8)],
            arguments: FuzzCorpus.runArguments("s.yaml"), mustFail: true, message: message)
    }

    static func scenarioCase(_ name: String, _ extra: String, message: String, base: String? = nil) -> FuzzCase {
        FuzzCase(
            name: name, files: ["s.yaml": Data(((base ?? FuzzCorpus.scenario(topology: FuzzCorpus.topologyPath)) + extra).utf8)],
            arguments: FuzzCorpus.runArguments("s.yaml"), mustFail: true, message: message)
    }

    static let smartdeal = FuzzCorpus.file("topologies/papers/smartdeal-accelerator.yaml")
        .replacingOccurrences(of: "technology: ../tech/horowitz45.yaml", with: "technology: \(FuzzCorpus.techPath)")

    /// The SmartDeal accelerator with one change, under a SmartDeal-compressed scenario.
    static func smartdealCase(_ name: String, _ from: String, _ to: String, message: String) -> FuzzCase {
        topologyCase(name, from, to, message: message, base: smartdeal, scenario: FuzzCorpus.smartdealScenario(topology: "t.yaml"))
    }

    static func ini(_ name: String, _ from: String, _ to: String, message: String) -> FuzzCase {
        precondition(ddr4.contains(from))
        return FuzzCase(
            name: name, files: ["d.ini": Data(ddr4.replacingOccurrences(of: from, with: to).utf8)],
            arguments: ["dram", "d.ini", "--cycles", "2000"], mustFail: true, message: message)
    }

    static func weights(_ name: String, _ file: String, _ bytes: [UInt8], message: String) -> FuzzCase {
        FuzzCase(
            name: name, files: [file: Data(bytes)], arguments: ["compress", "--method", "osc", file], mustFail: true, message: message)
    }

    static func option(_ arguments: [String], message: String) -> FuzzCase {
        FuzzCase(name: "option " + arguments.joined(separator: " "), files: [:], arguments: arguments, mustFail: true, message: message)
    }

    static var all: [FuzzCase] {
        let values = (0..<108).map { Float($0 % 7) / 10 }
        var nan = values
        nan[41] = .nan
        var inf = values
        inf[5] = -.infinity
        let f16NaN: [UInt8] = (0..<108).flatMap { i -> [UInt8] in i == 3 ? [0x00, 0x7E] : [0x00, 0x3C] }
        let bf16Inf: [UInt8] = (0..<108).flatMap { i -> [UInt8] in i == 100 ? [0x80, 0x7F] : [0x80, 0x3F] }
        let good = FuzzCorpus.npy(shape: [4, 3, 3, 3], values: values)
        let aliasBomb =
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + (1...9).map {
                "\(Character(UnicodeScalar(UInt8(97 + $0)))): &\(Character(UnicodeScalar(UInt8(97 + $0)))) ["
                    + Array(repeating: "*\(Character(UnicodeScalar(UInt8(96 + $0))))", count: 10).joined(separator: ", ") + "]"
            }.joined(separator: "\n") + "\nname: bomb\ntopology: x\nmodel: tiny-cnn\n"
        return [
            // Quantities out of range.
            topologyCase("router latency of 1e30 s", "router_latency: 3 ns", "router_latency: 1e30 s", message: "router_latency"),
            topologyCase(
                "link bandwidth of 1e-30 GB/s", "link_bandwidth: 32 GB/s", "link_bandwidth: 1e-30 GB/s", message: "link_bandwidth"),
            topologyCase("a 1-bit flit", "flit_size: 32 B", "flit_size: 1 bit", message: "flit_size"),
            topologyCase("a 0.1 ps link", "link_latency: 1 ns", "link_latency: 0.1 ps", message: "below the range"),
            topologyCase("a 1e30 B buffer", "buffer: 256 KiB\n  sot", "buffer: 1e30 B\n  sot", message: "buffer"),
            topologyCase("a 0 GHz clock", "clock: 1 GHz", "clock: 0 GHz", message: "clock"),
            topologyCase(
                "a missing DRAMsim3 config",
                "bandwidth: 12.8 GB/s    # simple channel: bandwidth and fixed latency (fast; see single-chip-4x4 for JEDEC)\n    latency: 40 ns          # unloaded (tRP + tRCD + CL) of DDR4-3200 is 41.6 ns",
                "config: missing.ini", message: "missing.ini"),
            FuzzCase(
                name: "an energy of 1e15 pJ",
                files: [
                    "s.yaml": Data(FuzzCorpus.scenario(topology: "t.yaml").utf8),
                    "t.yaml": Data(
                        topology.replacingOccurrences(of: "technology: \(FuzzCorpus.techPath)", with: "technology: tech.yaml").utf8),
                    "tech.yaml": Data(
                        FuzzCorpus.file("topologies/tech/horowitz45.yaml").replacingFirst("energy: ", with: "energy: 1e15 pJ #").utf8),
                ], arguments: FuzzCorpus.runArguments("s.yaml"), mustFail: true, message: "energy"),
            // Node scaling, areas and SmartDeal tiles.
            scenarioCase("a technology basis at 28 nm", "technology_basis:\n  node_nm: 28\n  vdd: 0.9 V\n", message: "scaling equations"),
            scenarioCase("a technology basis at 5 V", "technology_basis:\n  node_nm: 65\n  vdd: 5 V\n", message: "vdd"),
            scenarioCase("a technology basis without a voltage", "technology_basis:\n  node_nm: 65\n", message: "vdd"),
            FuzzCase(
                name: "a technology basis over a table without voltages",
                files: [
                    "s.yaml": Data((FuzzCorpus.scenario(topology: "t.yaml") + "technology_basis:\n  node_nm: 65\n  vdd: 1 V\n").utf8),
                    "t.yaml": Data(
                        topology.replacingOccurrences(of: "technology: \(FuzzCorpus.techPath)", with: "technology: tech.yaml").utf8),
                    "tech.yaml": Data(
                        FuzzCorpus.file("topologies/tech/horowitz45.yaml").replacingOccurrences(
                            of: "node_nm: 45\n    vdd: 0.9 V", with: "node_nm: 44\n    vdd: 0.9 V"
                        ).utf8),
                ], arguments: FuzzCorpus.runArguments("s.yaml"), mustFail: true, message: "supply voltage"),
            FuzzCase(
                name: "an area in picojoules",
                files: [
                    "s.yaml": Data(FuzzCorpus.scenario(topology: "t.yaml").utf8),
                    "t.yaml": Data(
                        topology.replacingOccurrences(of: "technology: \(FuzzCorpus.techPath)", with: "technology: tech.yaml").utf8),
                    "tech.yaml": Data(
                        FuzzCorpus.file("topologies/tech/horowitz45.yaml").replacingFirst("area: 417 um2", with: "area: 417 pJ").utf8),
                ], arguments: FuzzCorpus.runArguments("s.yaml"), mustFail: true, message: "area"),
            smartdealCase(
                "a SmartDeal tile with slices but no lines", "    lines: 8                # PE lines per slice (dim_C)\n", "",
                message: "slices, lines and macs_per_line"),
            smartdealCase(
                "a SmartDeal tile whose MACs disagree", "    slices: 16", "    macs_per_cycle: 100\n    slices: 16",
                message: "macs_per_cycle"),
            smartdealCase(
                "a SmartDeal tile with two kinds of buffer", "    input_buffer: 128 KiB", "    buffer: 1 MiB\n    input_buffer: 128 KiB",
                message: "not both"),
            smartdealCase("a SmartDeal tile with an unknown MAC style", "mac: parallel", "mac: analog", message: "bit-serial"),
            smartdealCase(
                "all activation rows zero", "    mac: parallel", "    zero_activation_rows: 1.0\n    mac: parallel",
                message: "zero_activation_rows"),
            scenarioCase(
                "the CIFAR ResNet-18 row-pruning list on another network", "", message: "reference",
                base: FuzzCorpus.scenario(topology: FuzzCorpus.topologyPath).replacingOccurrences(
                    of: "method: osc\n  keep: 0.25\n  magnitude_bits: 4", with: "method: smartdeal\n  row_prune: reference")),
            option(["validate", "--suite", "papers", "--scenarios", "/no/such/folder"], message: "not a folder"),
            option(["validate", "--suite", "everything"], message: "papers"),
            // Scenario values.
            scenarioCase(
                "row_prune 1.0 prunes every row", "", message: "row_prune",
                base: FuzzCorpus.scenario(topology: FuzzCorpus.topologyPath).replacingOccurrences(
                    of: "method: osc\n  keep: 0.25\n  magnitude_bits: 4", with: "method: smartdeal\n  row_prune: 1.0")),
            scenarioCase(
                "a batch of -5", "", message: "batch",
                base: FuzzCorpus.scenario(topology: FuzzCorpus.topologyPath).replacingOccurrences(of: "batch: 2", with: "batch: -5")),
            FuzzCase(
                name: "an alias bomb", files: ["s.yaml": Data(aliasBomb.utf8)], arguments: FuzzCorpus.runArguments("s.yaml"),
                mustFail: true, message: "expands"),
            FuzzCase(
                name: "collections nested 10,000 deep",
                files: [
                    "s.yaml": Data(("name: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n").utf8)
                ],
                arguments: FuzzCorpus.runArguments("s.yaml"), mustFail: true, message: "nested"),
            FuzzCase(
                name: "a sweep value that is invalid",
                files: ["s.yaml": Data((FuzzCorpus.scenario(topology: FuzzCorpus.topologyPath) + "sweep:\n  batch: [1,\n    -5]\n").utf8)],
                arguments: ["sweep", "s.yaml", "--out", "r", "--workers", "1"], mustFail: true, message: "s.yaml:16"),
            FuzzCase(
                name: "a directory given as the scenario", files: ["d/x": Data()], arguments: ["run", "d"], mustFail: true,
                message: "is a directory"),
            FuzzCase(name: "a device given as a scenario", files: [:], arguments: ["run", "/dev/null"], mustFail: true, message: "device"),
            FuzzCase(
                name: "an endless device given as a DRAMsim3 config", files: [:], arguments: ["dram", "/dev/zero"], mustFail: true,
                message: "device"),
            FuzzCase(
                name: "a directory given as a BookSim2 config", files: ["d/x": Data()], arguments: ["noc", "d"], mustFail: true,
                message: "is a directory"),
            // Weight files.
            weights("NaN in a float32 .npy", "w.npy", FuzzCorpus.npy(shape: [4, 3, 3, 3], values: nan), message: "index [1, 1, 1, 2]"),
            weights("-inf in a float32 .npy", "w.npy", FuzzCorpus.npy(shape: [4, 3, 3, 3], values: inf), message: "-inf"),
            weights(
                "NaN in a float16 .safetensors", "w.safetensors",
                FuzzCorpus.safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[4,3,3,3],\"data_offsets\":[0,216]}}", data: f16NaN),
                message: "'w' holds nan"),
            weights(
                "inf in a bfloat16 .safetensors", "w.safetensors",
                FuzzCorpus.safetensors("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4,3,3,3],\"data_offsets\":[0,216]}}", data: bf16Inf),
                message: "flat index 100"),
            weights(
                "NaN inside an .npz", "w.npz",
                FuzzCorpus.npz(
                    entry: FuzzCorpus.npy(shape: [4, 3, 3, 3], values: nan), crc: crc(FuzzCorpus.npy(shape: [4, 3, 3, 3], values: nan))),
                message: "nan"),
            weights("a zero-size tensor", "w.npy", FuzzCorpus.npy(shape: [0, 3, 3, 3], values: []), message: "no elements"),
            weights(
                "an .npy shape that overflows", "w.npy", FuzzCorpus.npy(shape: [99_999_999_999, 99_999_999_999, 3, 3], values: values),
                message: "address"),
            weights(
                "safetensors offsets past the end", "w.safetensors",
                FuzzCorpus.safetensors(
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[4,3,3,3],\"data_offsets\":[0,9000000000000000000]}}", data: Array(good[64...])),
                message: "outside the file"),
            weights(
                "safetensors shape that overflows", "w.safetensors",
                FuzzCorpus.safetensors(
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4,1,1],\"data_offsets\":[0,432]}}", data: Array(good[64...])),
                message: "address"),
            weights(
                "an .npz entry claiming 4 GiB", "w.npz", FuzzCorpus.npz(entry: [0x03, 0x00], method: 8, claimed: 0xFFFF_FFF0),
                message: "more than deflate"),
            // DRAMsim3 geometry and timing.
            ini("tCK of 1e-300 ns", "tCK = 0.63", "tCK = 1e-300", message: "tCK"),
            ini("rows not a power of two", "rows = 65536", "rows = 60000", message: "power of two"),
            ini("a device wider than the bus", "device_width = 8", "device_width = 128", message: "wider than bus_width"),
            ini("tREFI shorter than tRFC", "tREFI = 12480", "tREFI = 500", message: "tREFI"),
            ini(
                "an odd-length address mapping", "address_mapping = rochrababgco", "address_mapping = rochrababgc",
                message: "address_mapping"),
            ini("rows of 2^62", "rows = 65536", "rows = 4611686018427387904", message: "rows"),
            ini("one row per bank (a rank under 1 MB)", "rows = 65536", "rows = 1", message: "less than 1 MB"),
            ini("8,192 channels", "channels = 1", "channels = 8192", message: "channels"),
            ini("one column per row", "columns = 1024", "columns = 1", message: "burst"),
            ini("tREFI just over tRFC", "tREFI = 12480", "tREFI = 561", message: "always be refreshing"),
            // DRAMsim3 runs such a config (its STT-MRAM configs have such currents): timing yes, energies flagged.
            FuzzCase(
                name: "IDD0 of 0 (a negative activate energy)",
                files: ["d.ini": Data(ddr4.replacingOccurrences(of: "IDD0 = 57", with: "IDD0 = 0").utf8)],
                arguments: ["dram", "d.ini", "--cycles", "2000"], message: "negative activate energy"),
            FuzzCase(
                name: "bit-complement traffic on 9 nodes", files: ["m": Data(mesh.utf8)],
                arguments: ["noc", "m", "k=3", "traffic=bitcomp"],
                mustFail: true, message: "power-of-two"),
            FuzzCase(
                name: "a NoC run that measures nothing", files: ["m": Data(mesh.utf8)],
                arguments: ["noc", "m", "k=2", "injection_rate=0", "max_samples=1", "warmup_periods=0"],
                message: "warning: no packet was measured"),

            // SCALE-Sim.
            FuzzCase(
                name: "a conv CSV read as GEMM", files: ["c.cfg": Data(cfg.utf8), "t.csv": Data(conv.utf8)],
                arguments: ["array", "--config", "c.cfg", "--topology", "t.csv", "--gemm"], mustFail: true, message: "read as GEMM"),
            FuzzCase(
                name: "a huge SCALE-Sim layer",
                files: ["c.cfg": Data(cfg.utf8), "t.csv": Data((conv + "\nBig, 65536, 65536, 3, 3, 65536, 65536, 1,\n").utf8)],
                arguments: ["array", "--config", "c.cfg", "--topology", "t.csv"], mustFail: true, message: "MACs"),
            // Options.
            option(["bench", "engine", "--end-us", "nan"], message: "--end-us"),
            option(["bench", "engine", "--components", "0"], message: "--components"),
            option(["run", "--workers", "-3"], message: "--workers is -3"),
            option(["dram", "x.ini", "--cycles", "-1"], message: "--cycles"),
            option(["compress", "--method", "osc", "--model", "lenet-5", "--keep", "nan"], message: "--keep"),
            option(["noc", "x", "injection_rate=nan"], message: "no such"),
        ]
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
