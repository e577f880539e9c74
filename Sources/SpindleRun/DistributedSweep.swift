import Foundation
import SpindleCore
import SpindleEngine
import SpindleReport
import Synchronization

/// The hand-out of a sweep's points to the processes of a distributed run.
///
/// Rank 0 serves: each other rank asks for a point, runs it whole, and sends back its result (the JSON of
/// the report) with its next request; rank 0 answers each request with the next pending point, or with "no
/// more" once the queue is empty or closed by a failure. A rank gets one point at a time, so fast ranks
/// take more points. Rank 0 runs points of its own from the same queue and writes every file.
enum DistributedSweep {
    /// Message tags: requests (with a finished point's result) to rank 0, and its answers.
    static let requestTag = 1
    static let answerTag = 2

    /// What rank 0's consumer receives.
    enum Completion: Sendable {
        case done(index: Int, report: RunReport, data: Data?, rank: Int)
        case failed(any Error & Sendable, rank: Int)
        /// A producer (a local job, or the server once every rank is released) has finished.
        case producerDone
    }

    /// The points still to run, shared by rank 0's own jobs and its server.
    final class PointQueue: Sendable {
        private let state: Mutex<(pending: [Int], next: Int, closed: Bool)>

        init(_ pending: [Int]) { state = Mutex((pending, 0, false)) }

        /// The next point, or `nil` when none is left or the sweep stopped.
        func take() -> Int? {
            state.withLock { s in
                guard !s.closed, s.next < s.pending.count else { return nil }
                defer { s.next += 1 }
                return s.pending[s.next]
            }
        }

        /// Stops handing out points (after a failure).
        func close() { state.withLock { $0.closed = true } }
    }

    /// A stream of completions that any thread may feed.
    final class Completions: Sendable {
        let stream: AsyncStream<Completion>
        private let continuation: AsyncStream<Completion>.Continuation

        init() { (stream, continuation) = AsyncStream.makeStream(of: Completion.self) }

        func yield(_ c: Completion) { continuation.yield(c) }
    }

    /// A request: 0 = ready (first request), 1 = a result follows (point index, JSON), 2 = a failure
    /// follows (point index, message).
    static func request(kind: UInt8, index: Int = 0, body: Data = Data()) -> [UInt8] {
        var bytes = [kind]
        withUnsafeBytes(of: Int64(index).littleEndian) { bytes += $0 }
        return bytes + [UInt8](body)
    }

    static func index(_ bytes: [UInt8]) -> Int {
        var x: Int64 = 0
        withUnsafeMutableBytes(of: &x) { $0.copyBytes(from: bytes[1..<9]) }
        return Int(Int64(littleEndian: x))
    }

    /// Rank 0: answers the other ranks' requests on a thread of its own until every rank is released.
    static func serve(group: any ProcessGroup, queue: PointQueue, completions: Completions) {
        let thread = Thread {
            var released = 0
            while released < group.size - 1 {
                let (source, bytes) = group.receive(tag: requestTag)
                switch bytes.first {
                case 1:
                    let data = Data(bytes[9...])
                    do {
                        let report = try JSONDecoder().decode(RunReport.self, from: data)
                        completions.yield(.done(index: index(bytes), report: report, data: data, rank: source))
                    } catch {
                        queue.close()
                        completions.yield(
                            .failed(
                                DistributedFailure(rank: source, message: "error: its result could not be read: \(error)"), rank: source))
                    }
                case 2:
                    queue.close()
                    let message = String(decoding: bytes[9...], as: UTF8.self)
                    completions.yield(.failed(DistributedFailure(rank: source, message: message), rank: source))
                default:
                    break
                }
                let next = queue.take()
                if next == nil { released += 1 }
                group.send(request(kind: 0, index: next ?? -1), to: source, tag: answerTag)
            }
            completions.yield(.producerDone)
        }
        thread.name = "spindle-sweep-server"
        thread.start()
    }

    /// Any rank but 0: asks for points and runs them until rank 0 says there are no more.
    static func follow(group: any ProcessGroup, run: @Sendable (Int) async throws -> RunReport) async throws {
        var message = request(kind: 0)
        while true {
            let outgoing = message
            let answer = await onOwnThread(named: "spindle-sweep-request") {
                group.send(outgoing, to: 0, tag: requestTag)
                return group.receive(tag: answerTag).bytes
            }
            let i = index(answer)
            if i < 0 { return }
            do {
                message = request(kind: 1, index: i, body: try await run(i).jsonData())
            } catch {
                message = request(kind: 2, index: i, body: Data(((error as? SpindleError)?.description ?? "error: \(error)").utf8))
            }
        }
    }
}
