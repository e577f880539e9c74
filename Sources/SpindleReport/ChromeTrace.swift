import Foundation
import SpindleCore

/// A `Timeline` as Chrome trace-event JSON, which Perfetto's UI and chrome://tracing open: a process per
/// track's process (a chip), named, a thread per track, a complete event ("X") per span with times in
/// microseconds, and under `metadata` the spans dropped at the limit and what else was left out.
public enum ChromeTrace {
    struct Event: Encodable {
        var name: String
        var cat: String?
        var ph: String
        var ts: Double?
        var dur: Double?
        var pid: Int
        var tid: Int
        var args: [String: String]?
    }

    struct File: Encodable {
        var traceEvents: [Event]
        var displayTimeUnit = "ns"
        var metadata: [String: String]
    }

    /// The trace file's bytes; `about` adds entries to its metadata (scenario, model revision, ...).
    public static func data(_ timeline: Timeline, about: [String: String] = [:]) throws(SpindleError) -> Data {
        var events: [Event] = []
        var named = Set<Int>()
        for t in timeline.tracks {
            if named.insert(t.process).inserted {
                events.append(Event(name: "process_name", ph: "M", pid: t.process, tid: t.thread, args: ["name": t.processName]))
            }
            events.append(Event(name: "thread_name", ph: "M", pid: t.process, tid: t.thread, args: ["name": t.threadName]))
        }
        for s in timeline.spans {
            let t = timeline.tracks[s.track]
            events.append(
                Event(name: s.name, cat: s.category, ph: "X", ts: s.startPs * 1e-6, dur: s.durationPs * 1e-6, pid: t.process, tid: t.thread)
            )
        }
        var metadata = about
        metadata["spans"] = "\(timeline.spans.count)"
        metadata["spans_dropped"] = "\(timeline.dropped)"
        if timeline.dropped > 0 {
            metadata["limit"] = "recording stopped after \(timeline.limit) spans; \(timeline.dropped) later spans are not in this file"
        }
        if !timeline.notes.isEmpty { metadata["left_out"] = timeline.notes.joined(separator: "; ") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(File(traceEvents: events, metadata: metadata)) } catch {
            throw SpindleError(.io, "cannot encode the trace: \(error)")
        }
    }
}
