import Foundation
import SpindleCollectives
import SpindleCore
import SwiftProtobuf

/// A set of Chakra execution traces: one program per rank (chip) and the process groups its collectives run
/// over, as ASTRA-sim reads them.
///
/// Files: `PREFIX.RANK.et` per rank (Chakra's `GlobalMetadata`, then its `Node`s, each preceded by its
/// length as a varint, ASTRA-sim's framing) and `comm_group.json` (`{"1": [0, 1], ...}`: each process group's
/// ranks; a collective's `pg_name` attribute names its group, `""` or `"0"` meaning every rank).
///
/// Writing: each rank's nodes form one chain (`ctrl_deps` on the previous node). Compute nodes carry
/// `duration_micros` (rounded) and `num_ops` (FLOPs at the cluster's rate); collectives `comm_type`,
/// `comm_size` (ASTRA-sim's sizing: an all-gather's input per rank, otherwise the buffer per rank) and
/// `pg_name`; sends and receives `comm_src`, `comm_dst`, `comm_size` and `comm_tag`. Exact values ride in
/// extra attributes ASTRA-sim ignores (`spindle_duration_ps`, `spindle_bytes`, `spindle_communicator`),
/// so that reading the files back reproduces the schedule exactly.
///
/// Reading: each rank's nodes run one at a time, in dependency order (ids break ties), so two branches of a
/// rank's graph do not overlap (a dependency on a node absent from the file is met). Compute nodes (and host-side collective calls without a `comm_type`, as
/// PyTorch traces have) take `spindle_duration_ps`, else `duration_micros`;
/// collectives all-reduce, all-gather, reduce-scatter, all-to-all and broadcast; sends and receives pair by
/// (source, destination, tag) in order. Process groups become the tensor, data and expert communicators:
/// all-to-all groups are expert groups, and the others are tensor groups unless one of their ranks is
/// already in one (then data groups); a rank in a third overlapping group is refused, as are memory nodes,
/// other collectives, dependency cycles and unknown ranks.
public struct ChakraTraceSet: Sendable {
    /// Each rank's ops, in the order they run.
    var programs: [[TrainingOp]]
    /// Each communicator kind's groups.
    var groups: [[[Int]]]
    /// FLOPs per picosecond, for compute nodes' `num_ops` (0: not written).
    var flopsPerPs: Double = 0

    /// Ranks (chips) of the set.
    public var ranks: Int { programs.count }
    /// Nodes of every rank, in all.
    public var nodes: Int { programs.reduce(0) { $0 + $1.count } }

    /// The most ranks a set may have, and the most nodes one rank may have.
    public static let maxRanks = 1 << 16
    public static let maxNodesPerRank = 1 << 24
    /// The file name prefix written traces use.
    public static let prefix = "spindle"
    /// The process-group file's name.
    public static let groupFile = "comm_group.json"
    /// Attribute names of the exact values.
    static let durationKey = "spindle_duration_ps", bytesKey = "spindle_bytes", communicatorKey = "spindle_communicator"
    static let markKey = "spindle_mark", recomputeKey = "spindle_recompute"

    init(programs: [[TrainingOp]], groups: [[[Int]]], flopsPerPs: Double = 0) {
        self.programs = programs
        self.groups = groups
        self.flopsPerPs = flopsPerPs
    }

    // MARK: writing

    /// Writes `PREFIX.RANK.et` for every rank and `comm_group.json` into `folder` (created if needed), each
    /// atomically; returns the paths written.
    @discardableResult
    public func write(to folder: String) throws(SpindleError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw SpindleError(.io, "cannot create the folder '\(folder)' (\(error.localizedDescription))")
        }
        var paths: [String] = []
        // Process groups numbered from 1, kind by kind.
        var groupID: [[Int]] = []
        var json: [(Int, [Int])] = []
        for kind in groups.indices {
            groupID.append([])
            for g in groups[kind] {
                json.append((json.count + 1, g))
                groupID[kind].append(json.count)
            }
        }
        let groupText =
            "{\n" + json.map { "  \"\($0.0)\": [" + $0.1.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ",\n")
            + "\n}\n"
        let groupPath = folder + "/" + Self.groupFile
        try AtomicFile.write(Data(groupText.utf8), to: groupPath)
        paths.append(groupPath)
        var groupOf = [[Int]](repeating: [Int](repeating: -1, count: ranks), count: groups.count)
        for kind in groups.indices { for (g, list) in groups[kind].enumerated() { for c in list { groupOf[kind][c] = g } } }
        // Bytes of each message, by (receiver, key), for the receive nodes' comm_size.
        var messageBytes: [Int: [Int: Double]] = [:]
        for ops in programs {
            for op in ops { if case .sendTo(let to, let key, let bytes) = op.kind { messageBytes[to, default: [:]][key] = bytes } }
        }
        for (rank, ops) in programs.enumerated() {
            var out = Data()
            var meta = ChakraProtoMsg_GlobalMetadata()
            meta.version = "0.0.4"
            meta.attr = [Self.attribute("producer", .stringVal("Spindle"))]
            try Self.append(meta, to: &out)
            var id: UInt64 = 0
            for op in ops {
                var node = ChakraProtoMsg_Node()
                id += 1
                node.id = id
                if id > 1 { node.ctrlDeps = [id - 1] }
                switch op.kind {
                case .compute(let ps, let recompute):
                    node.name = recompute ? "recompute" : "compute"
                    node.type = .compNode
                    node.durationMicros = UInt64(Self.int64(ps * 1e-6))
                    node.attr = [
                        Self.attribute("is_cpu_op", .boolVal(false)), Self.attribute(Self.durationKey, .doubleVal(ps)),
                        Self.attribute(Self.recomputeKey, .boolVal(recompute)),
                    ]
                    if flopsPerPs > 0 { node.attr.append(Self.attribute("num_ops", .int64Val(Self.int64(ps * flopsPerPs)))) }
                case .collective(let kind, let operation, let bytes):
                    let g = groupOf[kind.rawValue][rank]
                    let size = g >= 0 ? groups[kind.rawValue][g].count : 1
                    node.name = TrainingEngine.collectiveName(kind, operation)
                    node.type = .commCollNode
                    let commSize = operation == .allGather ? bytes / Double(max(size, 1)) : bytes
                    node.attr = [
                        Self.attribute("is_cpu_op", .boolVal(false)),
                        Self.attribute("comm_type", .int64Val(Int64(Self.commType(operation).rawValue))),
                        Self.attribute("comm_size", .int64Val(Self.int64(commSize))),
                        Self.attribute("pg_name", .stringVal(g >= 0 ? String(groupID[kind.rawValue][g]) : "0")),
                        Self.attribute(Self.bytesKey, .doubleVal(bytes)),
                        Self.attribute(Self.communicatorKey, .int64Val(Int64(kind.rawValue))),
                    ]
                case .sendTo(let to, let key, let bytes):
                    node.name = "send to \(to)"
                    node.type = .commSendNode
                    node.attr = Self.pointToPoint(source: rank, destination: to, key: key, bytes: bytes)
                case .receiveFrom(let from, let key):
                    node.name = "receive from \(from)"
                    node.type = .commRecvNode
                    node.attr = Self.pointToPoint(source: from, destination: rank, key: key, bytes: messageBytes[rank]?[key] ?? 0)
                case .send, .receive:
                    throw SpindleError(.invalidValue, "rank \(rank) has a stage-relative send or receive", hint: "This is a bug")
                case .mark(let label):
                    node.name = "mark \(label)"
                    node.type = .metadataNode
                    node.attr = [Self.attribute(Self.markKey, .int64Val(Int64(label)))]
                }
                try Self.append(node, to: &out)
            }
            let path = folder + "/\(Self.prefix).\(rank).et"
            try AtomicFile.write(out, to: path)
            paths.append(path)
        }
        return paths
    }

    static func pointToPoint(source: Int, destination: Int, key: Int, bytes: Double) -> [ChakraProtoMsg_AttributeProto] {
        [
            attribute("is_cpu_op", .boolVal(false)), attribute("comm_src", .int32Val(Int32(clamping: source))),
            attribute("comm_dst", .int32Val(Int32(clamping: destination))), attribute("comm_size", .int64Val(int64(bytes))),
            attribute("comm_tag", .int32Val(Int32(clamping: key))), attribute(bytesKey, .doubleVal(bytes)),
        ]
    }

    /// `x` rounded, within 0 and 9e18 (NaN as 0).
    static func int64(_ x: Double) -> Int64 { x.isNaN ? 0 : Int64(min(max(x, 0), 9e18).rounded()) }

    static func attribute(_ name: String, _ value: ChakraProtoMsg_AttributeProto.OneOf_Value) -> ChakraProtoMsg_AttributeProto {
        var a = ChakraProtoMsg_AttributeProto()
        a.name = name
        a.value = value
        return a
    }

    static func commType(_ operation: CollectiveOperation) -> ChakraProtoMsg_CollectiveCommType {
        switch operation {
        case .allReduce: .allReduce
        case .allGather: .allGather
        case .reduceScatter: .reduceScatter
        case .allToAll: .allToAll
        case .broadcast: .broadcast
        }
    }

    /// Appends `message` preceded by its length as a varint.
    static func append(_ message: some SwiftProtobuf.Message, to out: inout Data) throws(SpindleError) {
        let bytes: Data
        do { bytes = try message.serializedData() } catch {
            throw SpindleError(.io, "cannot encode a Chakra message (\(error))")
        }
        var n = UInt64(bytes.count)
        repeat {
            let low = UInt8(n & 0x7f)
            n >>= 7
            out.append(n == 0 ? low : low | 0x80)
        } while n != 0
        out.append(bytes)
    }
}
