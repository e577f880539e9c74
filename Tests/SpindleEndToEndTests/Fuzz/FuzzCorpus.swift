import Foundation

/// Hostile inputs for every file format and option Spindle reads, made by mutating valid inputs.
///
/// Each generator starts from a small valid input (a shipped file or one written here), changes one thing
/// (a value, a line, the line endings, the bytes of a header) and names the case after what it changed, so
/// a failure can be replayed by hand.
enum FuzzCorpus {
    static func file(_ relative: String) -> String {
        (try? String(contentsOfFile: packageRoot + "/" + relative, encoding: .utf8)) ?? ""
    }

    /// Values that break conversions, ranges and parsers.
    static let yamlValues = [
        "1e30 s", "1e-30 GB/s", "1 bit", "1e15 pJ", "-1", "0", "nan", ".nan", ".inf", "-.inf", "1e309", "99999999999999999999", "",
        "~", "[1, 2]", "{a: 1}", "0.5", "1e-300 ns", "1 ZB", "true", "''", "9223372036854775807", "-9223372036854775808", "0x10",
        "1_000_000_000_000", "4096", "65536", "0.4 ps", "1e12 s", "1 s", "1000000", "*undefined", "!!binary AAAA", "[]", "{}",
        "1 GB/s", "1 GHz", "100000 MiB", "3 ns", "1.5", "-0", "1e-3 MHz", "1e6 GHz", "1 TiB", "1e6 pJ", "0 pJ", "2", "64", "1024",
    ]
    static let iniValues = [
        "-1", "0", "1e-300", "1e300", "nan", "inf", "", "abc", "99999999999999999999", "9223372036854775807", "0.5", "3", "1000000000",
        "65535", "1 2", "0x20", "7", "100000", "4096",
    ]

    /// Lines of `text` that hold a `key<sep>value` pair with a value, as (line index, value range start).
    static func valueLines(_ lines: [String], separators: [Character]) -> [(Int, String.Index)] {
        var out: [(Int, String.Index)] = []
        for (i, l) in lines.enumerated() {
            let body = l.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? l
            guard !body.trimmingCharacters(in: .whitespaces).hasPrefix("//"),
                let sep = body.firstIndex(where: { separators.contains($0) })
            else { continue }
            let after = l.index(after: sep)
            if l[after...].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            out.append((i, after))
        }
        return out
    }

    /// One mutation of a text file: a value replaced, or a structural change.
    static func mutate(_ text: String, values: [String], separators: [Character], terminator: String = "", rng: inout FuzzRandom) -> (
        String, String
    ) {
        var lines = text.components(separatedBy: "\n")
        let roll = rng.int(100)
        let candidates = valueLines(lines, separators: separators)
        if roll < 70, !candidates.isEmpty {
            let (i, at) = rng.pick(candidates)
            let v = rng.pick(values)
            let key = lines[i][..<at].trimmingCharacters(in: .whitespaces)
            lines[i] = String(lines[i][..<at]) + " " + v + terminator
            return (lines.joined(separator: "\n"), "\(key) \(v)")
        }
        switch roll {
        case 70..<76:
            let i = rng.int(lines.count)
            let removed = lines.remove(at: i)
            return (lines.joined(separator: "\n"), "delete line \(i + 1) '\(removed.prefix(30))'")
        case 76..<80:
            let i = rng.int(lines.count)
            lines.insert(lines[i], at: i)
            return (lines.joined(separator: "\n"), "duplicate line \(i + 1)")
        case 80..<85: return (lines.joined(separator: "\r\n"), "CRLF line endings")
        case 85..<87: return (lines.joined(separator: "\r"), "CR line endings")
        case 87..<92:
            let utf8 = Array(text.utf8)
            let cut = rng.int(utf8.count)
            return (String(decoding: utf8[..<cut], as: UTF8.self), "truncated at byte \(cut)")
        case 92..<95:
            let i = rng.int(lines.count)
            lines.insert(rng.pick(["\t\tkey: [", "}{", ":::", "= = =", "[section", "\u{0}\u{1}", "- - -", "&a [*a, *a]"]), at: i)
            return (lines.joined(separator: "\n"), "garbage line at \(i + 1)")
        case 95..<97:
            if lines.count > 2 {
                let a = rng.int(lines.count), b = rng.int(lines.count)
                lines.swapAt(a, b)
                return (lines.joined(separator: "\n"), "swap lines \(a + 1) and \(b + 1)")
            }
            return ("", "empty file")
        case 97: return ("", "empty file")
        default: return (String(repeating: "\u{0}", count: 64), "binary data")
        }
    }

    // MARK: - Scenario files

    static let topologyPath = packageRoot + "/topologies/four-chip-4x4.yaml"
    static let techPath = packageRoot + "/topologies/tech/horowitz45.yaml"

    /// tiny-cnn, SmartDeal-compressed and priced at 65 nm, on `topology`.
    static func smartdealScenario(topology: String) -> String {
        """
        name: fuzz-smartdeal
        topology: \(topology)
        model: tiny-cnn
        batch: 2
        seed: 1
        compression:
          method: smartdeal
          row_prune: 0.3
        technology_basis:
          node_nm: 65
          vdd: 1.0 V

        """
    }

    static func scenario(topology: String) -> String {
        """
        name: fuzz
        topology: \(topology)
        model: tiny-cnn
        batch: 2
        seed: 1
        mode: inference
        mapping:
          strategy: data-parallel
          objective: latency
        compression:
          method: osc
          keep: 0.25
          magnitude_bits: 4

        """
    }

    static func runArguments(_ scenario: String) -> [String] {
        ["run", scenario, "--workers", "1", "--no-progress", "--json"]
    }

    static func trainingScenario(topology: String) -> String {
        """
        name: fuzz-training
        topology: \(topology)
        model: tiny-cnn
        batch: 4
        seed: 1
        mode: training
        training:
          optimizer: adam
          gradient_bits: 16
        mapping:
          strategy: hybrid
          stages: 2
          micro_batches: 2
          objective: energy

        """
    }

    static func sweepScenario(topology: String) -> String {
        scenario(topology: topology) + """
            sweep:
              batch: [1, 2]
              compression.keep: [0.25, 0.5]
              noc.link_bandwidth: [16 GB/s]

            """
    }

    /// One to three mutations of `text`, described together.
    static func mutateSome(_ text: String, values: [String], separators: [Character], terminator: String = "", rng: inout FuzzRandom) -> (
        String, String
    ) {
        var (t, what) = mutate(text, values: values, separators: separators, terminator: terminator, rng: &rng)
        while rng.chance(0.3) {
            let (t2, w2) = mutate(t, values: values, separators: separators, terminator: terminator, rng: &rng)
            (t, what) = (t2, what + "; " + w2)
        }
        return (t, what)
    }

    /// Mutated scenarios (inference, training, sweeps), topologies and technology tables, each run through
    /// `spindle run` (or `spindle sweep`).
    static func yamlCases(count: Int, seed: UInt64) -> [FuzzCase] {
        var rng = FuzzRandom(seed: seed)
        var cases: [FuzzCase] = []
        let topology = file("topologies/four-chip-4x4.yaml").replacingOccurrences(
            of: "technology: tech/horowitz45.yaml", with: "technology: \(techPath)")
        let spin = file("topologies/four-chip-spin.yaml").replacingOccurrences(
            of: "technology: tech/horowitz45.yaml", with: "technology: \(techPath)")
        let tech = file("topologies/tech/horowitz45.yaml")
        for n in 0..<count {
            switch n % 7 {
            case 0:
                let (text, what) = mutateSome(scenario(topology: topologyPath), values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(name: "scenario #\(n): \(what)", files: ["s.yaml": Data(text.utf8)], arguments: runArguments("s.yaml")))
            case 1, 4:
                let (text, what) = mutateSome(n % 7 == 1 ? topology : spin, values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "topology #\(n): \(what)",
                        files: ["s.yaml": Data(scenario(topology: "t.yaml").utf8), "t.yaml": Data(text.utf8)],
                        arguments: runArguments("s.yaml")))
            case 2:
                let (text, what) = mutateSome(tech, values: yamlValues, separators: [":"], rng: &rng)
                let t = topology.replacingOccurrences(of: "technology: \(techPath)", with: "technology: tech.yaml")
                cases.append(
                    FuzzCase(
                        name: "technology #\(n): \(what)",
                        files: ["s.yaml": Data(scenario(topology: "t.yaml").utf8), "t.yaml": Data(t.utf8), "tech.yaml": Data(text.utf8)],
                        arguments: runArguments("s.yaml")))
            case 3:
                let (text, what) = mutateSome(trainingScenario(topology: topologyPath), values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "training scenario #\(n): \(what)", files: ["s.yaml": Data(text.utf8)], arguments: runArguments("s.yaml")))
            case 6:
                let sd = file("topologies/papers/smartdeal-accelerator.yaml").replacingOccurrences(
                    of: "technology: ../tech/horowitz45.yaml", with: "technology: \(techPath)")
                let (text, what) = mutateSome(sd, values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "SmartDeal accelerator #\(n): \(what)",
                        files: ["s.yaml": Data(smartdealScenario(topology: "t.yaml").utf8), "t.yaml": Data(text.utf8)],
                        arguments: runArguments("s.yaml")))
            default:
                let (text, what) = mutateSome(sweepScenario(topology: topologyPath), values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "sweep #\(n): \(what)", files: ["s.yaml": Data(text.utf8)],
                        arguments: ["sweep", "s.yaml", "--out", "r", "--workers", "1", "--jobs", "2"]))
            }
        }
        return cases
    }

    // MARK: - Cluster files and cluster scenarios

    static let smallCluster = """
        name: fuzz-cluster
        chip:
          peak_tflops: 100
          efficiency: 0.5
          memory: 40 GB
          memory_bandwidth: 1000 GB/s
          memory_energy_per_bit: 4 pJ
          mram_capacity: 8 GB
          mram_bandwidth: 10 TB/s
          mram_energy_per_bit: 0.1 pJ
        levels:
          - name: node
            size: 4
            network: switch
            bandwidth: 100 GB/s
            latency: 1 us
            energy_per_bit: 1 pJ
          - name: cluster
            size: 4
            network: switch
            bandwidth: 10 GB/s
            latency: 2 us
            energy_per_bit: 10 pJ
        """

    static let clusterScenarios = [
        """
        name: fuzz-train
        cluster: c.yaml
        workload:
          training: gpt2
          sequence: 128
          global_batch: 16
        parallelism:
          tensor: 2
          pipeline: 2
          micro_batch: 1
          recompute: selective
          zero: 1
          schedule: 1f1b
        collectives:
          tensor: ring
          data: ring
        """,
        """
        name: fuzz-serve
        cluster: c.yaml
        workload:
          inference: gpt2
          batch: 2
          prompt: 64
          generate: 4
          weights: dram
        parallelism:
          tensor: 2
          pipeline: 2
        compression:
          method: osc
        seed: 3
        """,
        """
        name: fuzz-collective
        cluster: c.yaml
        workload:
          collective: all-reduce
          bytes: 1 MiB
          algorithm: hierarchical
          intra: ring
          inter: halving-doubling
          chips: 16
          chunks: 2
          active_chunks: 1
          endpoint_delay: 1 us
          packet_size: 64 KiB
        """,
    ]

    /// Mutated cluster files and the training, serving and collective scenarios that use them.
    static func clusterCases(count: Int, seed: UInt64) -> [FuzzCase] {
        var rng = FuzzRandom(seed: seed)
        var cases: [FuzzCase] = []
        for n in 0..<count {
            let scenario = clusterScenarios[n % clusterScenarios.count]
            if n % 2 == 0 {
                let (text, what) = mutateSome(smallCluster, values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "cluster #\(n): \(what)", files: ["s.yaml": Data(scenario.utf8), "c.yaml": Data(text.utf8)],
                        arguments: runArguments("s.yaml")))
            } else {
                let (text, what) = mutateSome(scenario, values: yamlValues, separators: [":"], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "cluster scenario #\(n): \(what)", files: ["s.yaml": Data(text.utf8), "c.yaml": Data(smallCluster.utf8)],
                        arguments: runArguments("s.yaml")))
            }
        }
        return cases
    }

    // MARK: - Peer formats

    static let fixtures = "Tests/SpindleStudiesTests/Fixtures/"

    /// Mutated DRAMsim3 configs, BookSim2 configs and SCALE-Sim configs and CSVs, through their commands.
    static func peerCases(count: Int, seed: UInt64) -> [FuzzCase] {
        var rng = FuzzRandom(seed: seed)
        var cases: [FuzzCase] = []
        let ddr4 = file(fixtures + "dramsim3/DDR4_8Gb_x8_3200.ini"), hbm = file(fixtures + "dramsim3/HBM2_8Gb_x128.ini")
        let mesh = file(fixtures + "booksim2/meshconfig")
            .replacingOccurrences(of: "sample_period  = 1000;", with: "sample_period  = 200;")
            .replacingOccurrences(of: "k  = 8;", with: "k  = 4;")
        let cfg = file(fixtures + "scale-sim/scale-v2.cfg"), conv = file(fixtures + "scale-sim/alexnet_part.csv")
        let gemm = file(fixtures + "scale-sim/test_mnk_input.csv")
        for n in 0..<count {
            switch n % 5 {
            case 0, 1:
                let base = n % 10 == 0 ? hbm : ddr4
                let (text, what) = mutateSome(base, values: iniValues, separators: ["="], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "dramsim3 #\(n): \(what)", files: ["d.ini": Data(text.utf8)],
                        arguments: ["dram", "d.ini", "--cycles", "3000"]))
            case 2:
                let (text, what) = mutateSome(mesh, values: iniValues, separators: ["="], terminator: ";", rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "booksim2 #\(n): \(what)", files: ["mesh": Data(text.utf8)],
                        arguments: ["noc", "mesh", "max_samples=2", "warmup_periods=1"]))
            case 3:
                let (text, what) = mutateSome(cfg, values: iniValues, separators: [":", "="], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "scale-sim cfg #\(n): \(what)", files: ["c.cfg": Data(text.utf8), "t.csv": Data(conv.utf8)],
                        arguments: ["array", "--config", "c.cfg", "--topology", "t.csv"]))
            default:
                let isGemm = n % 10 == 9
                let (text, what) = mutateSome(isGemm ? gemm : conv, values: iniValues, separators: [","], rng: &rng)
                cases.append(
                    FuzzCase(
                        name: "scale-sim csv #\(n): \(what)", files: ["c.cfg": Data(cfg.utf8), "t.csv": Data(text.utf8)],
                        arguments: ["array", "--config", "c.cfg", "--topology", "t.csv"] + (isGemm ? ["--gemm"] : [])))
            }
        }
        return cases
    }

    // MARK: - Weight files

    static func npy(shape: [Int], values: [Float], descr: String = "<f4") -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        out += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    static func safetensors(_ header: String, data: [UInt8]) -> [UInt8] {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out: [UInt8] = []
        for i in 0..<8 { out.append(UInt8(h.count >> (8 * i) & 0xFF)) }
        return out + h + data
    }

    /// A stored (uncompressed) one-entry ZIP whose directory claims `claimed` bytes for the entry.
    static func npz(entry: [UInt8], name: String = "w.npy", method: Int = 0, claimed: Int? = nil, crc: UInt32 = 0) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
        let n = Array(name.utf8)
        let size = claimed ?? entry.count
        let common =
            le16(20) + le16(0) + le16(method) + le16(0) + le16(0x21) + le32(Int(crc)) + le32(entry.count) + le32(size) + le16(n.count)
            + le16(0)
        let local = le32(0x0403_4B50) + common + n + entry
        let directory = le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + n
        return local + directory + le32(0x0605_4B50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(directory.count) + le32(local.count)
            + le16(0)
    }

    /// Weight files with lying headers, non-finite values and random byte damage, through `spindle compress`.
    static func weightCases(count: Int, seed: UInt64) -> [FuzzCase] {
        var rng = FuzzRandom(seed: seed)
        var cases: [FuzzCase] = []
        let values = (0..<108).map { Float($0 % 11) / 10 - 0.5 }
        let good = npy(shape: [4, 3, 3, 3], values: values)
        let st = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4,3,3,3],\"data_offsets\":[0,432]}}", data: Array(good[64...]))
        for n in 0..<count {
            var bytes: [UInt8]
            var name: String
            switch n % 3 {
            case 0: (bytes, name) = (good, "w.npy")
            case 1: (bytes, name) = (st, "w.safetensors")
            default: (bytes, name) = (npz(entry: good), "w.npz")
            }
            let flips = 1 + rng.int(4)
            var what: [String] = []
            for _ in 0..<flips {
                // Headers are where lies hurt: damage the first 100 bytes most of the time.
                let at = rng.chance(0.8) ? rng.int(min(100, bytes.count)) : rng.int(bytes.count)
                let v = UInt8(truncatingIfNeeded: rng.next())
                bytes[at] = v
                what.append("byte \(at)=\(v)")
            }
            cases.append(
                FuzzCase(
                    name: "\(name) #\(n): " + what.joined(separator: ", "), files: [name: Data(bytes)],
                    arguments: ["compress", "--method", n % 2 == 0 ? "osc" : "smartdeal", "--iterations", "2", name]))
        }
        return cases
    }

    // MARK: - Command-line options

    static let optionValues = [
        "-1", "0", "nan", "inf", "-inf", "1e300", "99999999999999999999", "", "abc", "0.0", "-0", "1e-300", "3", "1000000000",
    ]

    static func optionCases(count: Int, seed: UInt64) -> [FuzzCase] {
        var rng = FuzzRandom(seed: seed)
        let commands: [([String], [String])] = [
            (["run", "--no-progress"], ["--workers", "--numa", "--set"]),
            (
                ["bench", "engine", "--repeat", "1", "--end-us", "0.05", "--components", "8", "--partitions", "2"],
                ["--workers", "--partitions", "--components", "--population", "--end-us", "--work", "--repeat", "--numa"]
            ),
            (
                ["compress", "--method", "osc", "--model", "lenet-5"],
                ["--keep", "--mag-bits", "--group", "--threads", "--seed", "--method", "--quantizer"]
            ),
            (
                ["compress", "--method", "smartdeal", "--model", "lenet-5"],
                ["--threshold", "--iterations", "--basis-bits", "--row-prune", "--threads"]
            ),
            (
                ["dram", packageRoot + "/" + fixtures + "dramsim3/DDR4_8Gb_x8_3200.ini", "--cycles", "2000"],
                ["--cycles", "--seed", "--stream"]
            ),
            (["models", "show"], [""]),
            (["map", packageRoot + "/scenarios/four-chip-batch16.yaml", "--no-simulate"], ["--set"]),
        ]
        var cases: [FuzzCase] = []
        for n in 0..<count {
            let (base, options) = rng.pick(commands)
            let option = rng.pick(options)
            var value = rng.pick(optionValues)
            if option == "--set" {
                value = rng.pick(["batch", "chips", "noc.width", "seed", "mapping.split", "=", "x.y.z", "model"]) + "=" + value
            }
            let arguments = option.isEmpty ? base + [value] : base + [option, value]
            cases.append(FuzzCase(name: "option #\(n): \(option) \(value)", files: [:], arguments: arguments))
        }
        return cases
    }
}
