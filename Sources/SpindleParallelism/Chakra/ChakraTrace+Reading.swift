import Foundation
import SpindleCollectives
import SpindleCore
import SwiftProtobuf

extension ChakraTraceSet {
    /// Reads the trace set in `folder`: every `PREFIX.RANK.et` (one prefix, ranks 0 to n - 1) and, when a
    /// collective names a process group, `comm_group.json`. `read` returns a file's bytes (so that a caller
    /// can record what it read); it defaults to reading the file.
    public static func read(
        folder: String,
        read: (String) throws(SpindleError) -> Data = { path throws(SpindleError) in
            try InputFile.bytes(path, what: "Chakra trace file", maxBytes: 1 << 32)
        }
    ) throws(SpindleError) -> ChakraTraceSet {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw SpindleError(.fileNotFound, "no Chakra trace folder '\(folder)'", expected: "a folder of PREFIX.RANK.et files")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".et") }.sorted()
        var byPrefix: [String: [Int: String]] = [:]
        for name in names {
            let parts = name.dropLast(3).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 2, let rank = Int(parts.last!), rank >= 0 else {
                throw SpindleError(.invalidValue, "'\(folder)/\(name)' is not named PREFIX.RANK.et")
            }
            byPrefix[parts.dropLast().joined(separator: "."), default: [:]][rank] = name
        }
        guard byPrefix.count == 1, let files = byPrefix.values.first else {
            throw SpindleError(
                .invalidValue,
                byPrefix.isEmpty
                    ? "'\(folder)' holds no .et files" : "'\(folder)' holds traces of several prefixes: \(byPrefix.keys.sorted())",
                expected: "one set of PREFIX.0.et, PREFIX.1.et, ... files")
        }
        guard files.count <= maxRanks, Set(files.keys) == Set(0..<files.count) else {
            let missing = (0..<(files.keys.max() ?? 0)).first { files[$0] == nil } ?? 0
            throw SpindleError(
                .invalidValue, "'\(folder)' has \(files.count) ranks' traces but not rank \(missing)'s",
                expected: "ranks 0 to n - 1, at most \(maxRanks)")
        }
        let groupPath = folder + "/" + groupFile
        let groupData: Data? = FileManager.default.fileExists(atPath: groupPath) ? try read(groupPath) : nil
        let groups = try groupData.map { d throws(SpindleError) in try Self.processGroups(d, file: groupPath, ranks: files.count) } ?? [:]
        // One rank's nodes at a time: a large set's messages would not fit in memory together.
        return try Self.convert(ranks: files.count, groups: groups, folder: folder, prefix: byPrefix.keys.first!) {
            rank throws(SpindleError) in
            let path = folder + "/" + files[rank]!
            return try Self.nodes(try read(path), file: path)
        }
    }

    /// The nodes of one rank's file, after its global metadata.
    static func nodes(_ data: Data, file: String) throws(SpindleError) -> [ChakraProtoMsg_Node] {
        var offset = data.startIndex
        var out: [ChakraProtoMsg_Node] = []
        var first = true
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = 16
        while offset < data.endIndex {
            // The length: a varint of at most 5 bytes (messages below 4 GiB).
            var length = 0, shift = 0, done = false
            while offset < data.endIndex, shift < 35 {
                let b = data[offset]
                offset += 1
                length |= Int(b & 0x7f) << shift
                shift += 7
                if b & 0x80 == 0 {
                    done = true
                    break
                }
            }
            guard done, length <= data.endIndex - offset else {
                throw SpindleError(
                    .syntax, "'\(file)' is cut short or is not a Chakra trace (message \(out.count + 1) claims \(length) bytes)",
                    expected: "length-delimited Chakra messages: GlobalMetadata, then Nodes")
            }
            let body = data[offset..<offset + length]
            offset += length
            do {
                if first {
                    _ = try ChakraProtoMsg_GlobalMetadata(serializedBytes: body, extensions: nil, partial: true, options: options)
                    first = false
                } else {
                    out.append(try ChakraProtoMsg_Node(serializedBytes: body, extensions: nil, partial: true, options: options))
                }
            } catch {
                throw SpindleError(
                    .syntax, "'\(file)': message \(out.count + 1) is not a Chakra \(first ? "GlobalMetadata" : "Node") (\(error))")
            }
            guard out.count <= maxNodesPerRank else {
                throw SpindleError(.capacity, "'\(file)' has more than \(maxNodesPerRank) nodes")
            }
        }
        guard !first else { throw SpindleError(.syntax, "'\(file)' is empty", expected: "a Chakra trace: GlobalMetadata, then Nodes") }
        return out
    }

    /// `comm_group.json`: process group id to ranks.
    static func processGroups(_ data: Data, file: String, ranks: Int) throws(SpindleError) -> [String: [Int]] {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SpindleError(.syntax, "'\(file)' is not JSON (\(error.localizedDescription))", expected: "{\"1\": [0, 1], ...}")
        }
        guard let map = object as? [String: Any] else {
            throw SpindleError(.syntax, "'\(file)' is not an object of process groups", expected: "{\"1\": [0, 1], ...}")
        }
        var out: [String: [Int]] = [:]
        for (key, value) in map {
            guard let list = value as? [Any], !list.isEmpty else {
                throw SpindleError(.invalidValue, "'\(file)': process group '\(key)' is not a list of ranks")
            }
            var members: [Int] = []
            for v in list {
                guard let n = v as? NSNumber, let r = Int(exactly: n.doubleValue), (0..<ranks).contains(r), !members.contains(r) else {
                    throw SpindleError(
                        .invalidValue, "'\(file)': process group '\(key)' lists \(v)", expected: "distinct ranks from 0 to \(ranks - 1)")
                }
                members.append(r)
            }
            out[key] = members
        }
        return out
    }

    /// A node's attribute values by name.
    struct Attributes {
        var values: [String: ChakraProtoMsg_AttributeProto.OneOf_Value] = [:]
        init(_ node: ChakraProtoMsg_Node) { for a in node.attr { if let v = a.value { values[a.name] = v } } }
        func int(_ name: String) -> Int64? {
            switch values[name] {
            case .int64Val(let v)?: v
            case .int32Val(let v)?: Int64(v)
            case .uint64Val(let v)?: Int64(clamping: v)
            case .uint32Val(let v)?: Int64(v)
            default: nil
            }
        }
        func double(_ name: String) -> Double? {
            switch values[name] {
            case .doubleVal(let v)?: v
            case .floatVal(let v)?: Double(v)
            default: int(name).map(Double.init)
            }
        }
        func string(_ name: String) -> String? { if case .stringVal(let s)? = values[name] { s } else { nil } }
        func bool(_ name: String) -> Bool? { if case .boolVal(let b)? = values[name] { b } else { nil } }
    }

    /// Turns each rank's nodes into ops, in dependency order.
    static func convert(
        ranks: Int, groups: [String: [Int]], folder: String, prefix: String,
        nodesOf: (Int) throws(SpindleError) -> [ChakraProtoMsg_Node]
    ) throws(SpindleError) -> ChakraTraceSet {
        var programs: [[TrainingOp]] = Array(repeating: [], count: ranks)
        // Message keys: one per (source, destination, tag, occurrence).
        var keys: [[Int]: Int] = [:]
        var occurrences: [[Int]: Int] = [:]
        func messageKey(_ s: Int, _ d: Int, _ tag: Int, sending: Bool) -> Int {
            let pair = [s, d, tag, sending ? 1 : 0]
            let k = occurrences[pair, default: 0]
            occurrences[pair] = k + 1
            let full = [s, d, tag, k]
            if let id = keys[full] { return id }
            keys[full] = keys.count
            return keys.count - 1
        }
        // Collectives wait for their groups' kinds. Process groups used, interned: each name, and the kind it
        // must be (from our own attribute, or all-to-all's expert), if any.
        var pendingCollectives: [(rank: Int32, index: Int32, group: Int32, operation: CollectiveOperation, bytes: Double, exact: Bool)] = []
        var groupNames: [String] = []
        var fixedKind: [Int?] = []
        var groupNumber: [String: Int32] = [:]
        for rank in 0..<ranks {
            let file = "\(folder)/\(prefix).\(rank).et"
            for node in try order(try nodesOf(rank), file: file) {
                let a = Attributes(node)
                func fail(_ what: String, expected: String? = nil) -> SpindleError {
                    SpindleError(.unsupported, "'\(file)': node \(node.id) ('\(node.name)'): \(what)", expected: expected)
                }
                // A host-side collective call (PyTorch's c10d op, whose kernel is its own node) is busy time.
                let hostCall = node.type == .commCollNode && a.bool("is_cpu_op") == true && a.int("comm_type") == nil
                switch hostCall ? .compNode : node.type {
                case .compNode:
                    let ps = a.double(durationKey) ?? Double(node.durationMicros) * 1e6
                    guard ps.isFinite, ps >= 0, ps <= 1e18 else { throw fail("a duration of \(ps) ps") }
                    programs[rank].append(TrainingOp(kind: .compute(picoseconds: ps, recompute: a.bool(recomputeKey) ?? false)))
                case .commCollNode:
                    guard let type = a.int("comm_type"), let commType = ChakraProtoMsg_CollectiveCommType(rawValue: Int(clamping: type))
                    else { throw fail("no comm_type") }
                    let operation: CollectiveOperation
                    switch commType {
                    case .allReduce: operation = .allReduce
                    case .allGather: operation = .allGather
                    case .reduceScatter: operation = .reduceScatter
                    case .allToAll: operation = .allToAll
                    case .broadcast: operation = .broadcast
                    default:
                        throw fail("collective \(commType)", expected: "ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL or BROADCAST")
                    }
                    let group = a.string("pg_name") ?? ""
                    let exact = a.double(bytesKey)
                    let size = Double(a.int("comm_size") ?? 0)
                    guard (exact ?? size).isFinite, (exact ?? size) >= 0, (exact ?? size) <= 1e18 else {
                        throw fail("a size of \(exact ?? size) bytes")
                    }
                    let number = groupNumber[group] ?? Int32(groupNames.count)
                    if groupNumber[group] == nil {
                        groupNumber[group] = number
                        groupNames.append(group)
                        fixedKind.append(nil)
                    }
                    let kind = a.int(communicatorKey).flatMap { CommunicatorKind(rawValue: Int($0)) }
                    if let kind, let previous = fixedKind[Int(number)], previous != kind.rawValue {
                        throw fail("process group '\(group)' used as both \(CommunicatorKind(rawValue: previous)!.name) and \(kind.name)")
                    }
                    if fixedKind[Int(number)] == nil {
                        fixedKind[Int(number)] = kind?.rawValue ?? (operation == .allToAll ? CommunicatorKind.expert.rawValue : nil)
                    }
                    pendingCollectives.append((Int32(rank), Int32(programs[rank].count), number, operation, exact ?? size, exact != nil))
                    programs[rank].append(TrainingOp(kind: .mark(-1)))  // replaced once the groups are known
                case .commSendNode, .commRecvNode:
                    let send = node.type == .commSendNode
                    guard let s = a.int("comm_src").map({ Int(clamping: $0) }) ?? (send ? rank : nil),
                        let d = a.int("comm_dst").map({ Int(clamping: $0) }) ?? (send ? nil : rank)
                    else { throw fail("no comm_src or comm_dst") }
                    guard (0..<ranks).contains(s), (0..<ranks).contains(d), (send ? s : d) == rank, s != d else {
                        throw fail(
                            "a transfer from \(s) to \(d)",
                            expected: "another rank from 0 to \(ranks - 1), this rank being the \(send ? "source" : "destination")")
                    }
                    let tag = Int(clamping: a.int("comm_tag") ?? 0)
                    let key = messageKey(s, d, tag, sending: send)
                    if send {
                        let bytes = a.double(bytesKey) ?? Double(a.int("comm_size") ?? 0)
                        guard bytes.isFinite, bytes >= 0, bytes <= 1e18 else { throw fail("a size of \(bytes) bytes") }
                        programs[rank].append(TrainingOp(kind: .sendTo(chip: d, key: key, bytes: bytes)))
                    } else {
                        programs[rank].append(TrainingOp(kind: .receiveFrom(chip: s, key: key)))
                    }
                case .metadataNode:
                    if let label = a.int(markKey) { programs[rank].append(TrainingOp(kind: .mark(Int(clamping: label)))) }
                case .invalidNode:
                    continue
                default:
                    throw fail("a \(node.type) node", expected: "compute, collective, send, receive and metadata nodes")
                }
            }
        }
        // Communicators: each process group a kind; each rank in at most one group of a kind.
        var kindOf = [Int](repeating: 0, count: groupNames.count)
        var members: [[[Int]]] = [[], [], []]
        var taken = [[Bool]](repeating: [Bool](repeating: false, count: ranks), count: 3)
        var index = [Int](repeating: 0, count: groupNames.count)
        func ranksOf(_ g: String) throws(SpindleError) -> [Int] {
            if g.isEmpty || g == "0" { return Array(0..<ranks) }
            guard let list = groups[g] else {
                throw SpindleError(
                    .invalidValue, "a collective of '\(folder)' names process group '\(g)', which \(groupFile) does not define",
                    expected: groups.isEmpty ? "a \(groupFile) beside the traces" : "one of " + groups.keys.sorted().joined(separator: ", ")
                )
            }
            return list
        }
        let ordered = groupNames.indices.sorted {
            (Int(groupNames[$0]) ?? Int.max, groupNames[$0]) < (Int(groupNames[$1]) ?? Int.max, groupNames[$1])
        }
        // Groups of a known kind first, then the others in id order.
        for n in ordered.filter({ fixedKind[$0] != nil }) + ordered.filter({ fixedKind[$0] == nil }) {
            let g = groupNames[n]
            let list = try ranksOf(g)
            let candidates = fixedKind[n].map { [$0] } ?? [CommunicatorKind.tensor.rawValue, CommunicatorKind.data.rawValue]
            guard let kind = candidates.first(where: { k in list.allSatisfy { !taken[k][$0] } }) else {
                throw SpindleError(
                    .unsupported, "process group '\(g)' of '\(folder)' shares ranks with groups of every kind it could be",
                    expected: "each rank in at most one tensor, one data and one expert (all-to-all) group")
            }
            for r in list { taken[kind][r] = true }
            kindOf[n] = kind
            index[n] = members[kind].count
            members[kind].append(list)
        }
        // Membership by (group, rank), checked once per group rather than by a search per collective.
        let membersOf: [Set<Int>] = groupNames.indices.map { n in Set(members[kindOf[n]][index[n]]) }
        for p in pendingCollectives {
            let kind = CommunicatorKind(rawValue: kindOf[Int(p.group)])!
            guard membersOf[Int(p.group)].contains(Int(p.rank)) else {
                throw SpindleError(
                    .invalidValue,
                    "rank \(p.rank) of '\(folder)' runs a collective over process group '\(groupNames[Int(p.group)])', which does not list it"
                )
            }
            let size = membersOf[Int(p.group)].count
            let bytes = p.operation == .allGather && !p.exact ? p.bytes * Double(size) : p.bytes
            programs[Int(p.rank)][Int(p.index)] = TrainingOp(kind: .collective(kind, p.operation, bytes: bytes))
        }
        return ChakraTraceSet(programs: programs, groups: members)
    }

    /// A rank's nodes in dependency order (control and data dependencies; ids break ties). Dependencies on
    /// ids the file does not have are met.
    static func order(_ nodes: [ChakraProtoMsg_Node], file: String) throws(SpindleError) -> [ChakraProtoMsg_Node] {
        var position: [UInt64: Int] = [:]
        for (i, n) in nodes.enumerated() {
            guard position[n.id] == nil else { throw SpindleError(.invalidValue, "'\(file)': node id \(n.id) appears twice") }
            position[n.id] = i
        }
        var waiting = [Int](repeating: 0, count: nodes.count)
        var children = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            // A dependency on a node the file does not have (converters drop some) is met.
            for d in Set(n.ctrlDeps + n.dataDeps) {
                guard let p = position[d] else { continue }
                waiting[i] += 1
                children[p].append(i)
            }
        }
        var ready = BinaryHeap<OrderEntry>()
        for i in nodes.indices where waiting[i] == 0 { ready.push(OrderEntry(id: nodes[i].id, index: i)) }
        var out: [ChakraProtoMsg_Node] = []
        out.reserveCapacity(nodes.count)
        while let e = ready.pop() {
            out.append(nodes[e.index])
            for c in children[e.index] {
                waiting[c] -= 1
                if waiting[c] == 0 { ready.push(OrderEntry(id: nodes[c].id, index: c)) }
            }
        }
        guard out.count == nodes.count else {
            throw SpindleError(.invalidValue, "'\(file)': the dependencies of \(nodes.count - out.count) nodes form a cycle")
        }
        return out
    }

    struct OrderEntry: Comparable {
        var id: UInt64, index: Int
        static func < (a: OrderEntry, b: OrderEntry) -> Bool { a.id < b.id }
    }
}
