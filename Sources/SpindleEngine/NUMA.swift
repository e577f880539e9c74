import CNUMA
import SpindleCore

/// How worker threads are placed on NUMA nodes.
public enum NUMAPolicy: Sendable, Equatable, CustomStringConvertible {
    /// No pinning: the operating system places threads.
    case off
    /// Pin workers round-robin over the NUMA nodes this process may run on when libnuma reports more than one
    /// node: all of them, or those a launcher bound the process to (`mpirun --bind-to numa`); otherwise off.
    case auto
    /// Pin worker `i` to node `nodes[i % nodes.count]`.
    case nodes([Int])

    /// Parses `auto`, `off` or a comma-separated node list such as `0,1`.
    public static func parse(_ text: String) throws(SpindleError) -> NUMAPolicy {
        switch text {
        case "off": return .off
        case "auto": return .auto
        default:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            var nodes: [Int] = []
            for part in parts {
                guard let n = Int(part.trimmingWhitespace()), n >= 0 else {
                    throw SpindleError(
                        .invalidValue, "--numa value '\(text)' is not understood",
                        expected: "auto, off, or a comma-separated list of node numbers such as 0,1",
                        choices: ["auto", "off", "0,1,..."])
                }
                nodes.append(n)
            }
            return .nodes(nodes)
        }
    }

    public var description: String {
        switch self {
        case .off: return "off"
        case .auto: return "auto"
        case .nodes(let n): return n.map(String.init).joined(separator: ",")
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " { s = s.dropFirst() }
        while let l = s.last, l == " " { s = s.dropLast() }
        return s
    }
}

/// What libnuma says about this machine.
public enum NUMA {
    /// True when the kernel and libnuma support NUMA placement.
    public static var isAvailable: Bool { numa_available() >= 0 }

    /// Number of configured NUMA nodes (1 when NUMA is not available).
    public static var nodeCount: Int { isAvailable ? Int(numa_num_configured_nodes()) : 1 }

    /// The NUMA nodes this process may run on: all, unless a launcher bound it to some.
    public static var allowedNodes: [Int] {
        guard isAvailable, let mask = numa_get_run_node_mask() else { return [] }
        defer { numa_bitmask_free(mask) }
        return (0..<nodeCount).filter { numa_bitmask_isbitset(mask, UInt32($0)) != 0 }
    }

    /// The CPU the calling thread runs on now, and its NUMA node (-1 when unknown).
    public static func currentPlacement() -> (cpu: Int, node: Int) {
        let cpu = Int(spindle_current_cpu())
        guard cpu >= 0, isAvailable else { return (cpu, -1) }
        return (cpu, Int(numa_node_of_cpu(Int32(cpu))))
    }

    /// Resolves a policy to one node per worker (`nil` = unpinned), plus a note for the user when the
    /// request cannot be honoured as given.
    ///
    /// Asking for nodes on a machine without NUMA support is not an error: the run goes on unpinned and
    /// the note says so. Asking for a node that does not exist is an error listing the valid nodes.
    public static func plan(_ policy: NUMAPolicy, workers: Int) throws(SpindleError) -> (nodes: [Int?], note: String?) {
        switch policy {
        case .off:
            return (Array(repeating: nil, count: workers), nil)
        case .auto:
            guard isAvailable else {
                return (Array(repeating: nil, count: workers), "NUMA is not available on this machine; workers are not pinned")
            }
            let count = nodeCount
            if count <= 1 {
                return (Array(repeating: nil, count: workers), "one NUMA node; workers are not pinned")
            }
            // A launcher's binding (mpirun --bind-to numa, srun --cpu-bind) narrows the nodes: pin to those.
            let allowed = allowedNodes
            if !allowed.isEmpty && allowed.count < count {
                return ((0..<workers).map { allowed[$0 % allowed.count] }, nil)
            }
            return ((0..<workers).map { $0 % count }, nil)
        case .nodes(let requested):
            guard isAvailable else {
                return (
                    Array(repeating: nil, count: workers),
                    "NUMA is not available on this machine (libnuma: numa_available() < 0); --numa \(policy) ignored, workers are not pinned"
                )
            }
            let count = nodeCount
            if let bad = requested.first(where: { $0 >= count }) {
                throw SpindleError(
                    .invalidValue, "--numa names node \(bad), but this machine has \(count) NUMA node(s)",
                    choices: ["auto", "off"] + (0..<count).map(String.init))
            }
            if requested.isEmpty { return (Array(repeating: nil, count: workers), nil) }
            return ((0..<workers).map { requested[$0 % requested.count] }, nil)
        }
    }

    /// Pins the calling thread (and its future allocations, preferentially) to `node`.
    static func pinCurrentThread(to node: Int) -> Bool {
        guard isAvailable else { return false }
        let ok = numa_run_on_node(Int32(node)) == 0
        numa_set_preferred(Int32(node))
        return ok
    }
}
