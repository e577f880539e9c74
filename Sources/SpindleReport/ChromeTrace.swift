import Foundation
import SpindleCore

/// A `Timeline` as Chrome trace-event JSON, which Perfetto's UI and chrome://tracing open: a process per
/// track's process (a chip), named, a thread per track, a complete event ("X") per span with times in
/// microseconds, a counter event ("C") per sample, a flow start and end ("s", "f") per arrow, and under
/// `metadata` the entries dropped at the limit and what else was left out.
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
        var id: Int?
        var bp: String?
        var counter: [String: Double]?

        enum CodingKeys: String, CodingKey { case name, cat, ph, ts, dur, pid, tid, args, id, bp }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(cat, forKey: .cat)
            try c.encode(ph, forKey: .ph)
            try c.encodeIfPresent(ts, forKey: .ts)
            try c.encodeIfPresent(dur, forKey: .dur)
            try c.encode(pid, forKey: .pid)
            try c.encode(tid, forKey: .tid)
            if let counter { try c.encode(counter, forKey: .args) } else { try c.encodeIfPresent(args, forKey: .args) }
            try c.encodeIfPresent(id, forKey: .id)
            try c.encodeIfPresent(bp, forKey: .bp)
        }
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
        for s in timeline.samples {
            events.append(
                Event(name: s.name, ph: "C", ts: s.timePs * 1e-6, pid: s.process, tid: 0, counter: [s.name: s.value]))
        }
        for a in timeline.arrows {
            let from = timeline.tracks[a.fromTrack], to = timeline.tracks[a.toTrack]
            events.append(Event(name: a.name, cat: "message", ph: "s", ts: a.fromPs * 1e-6, pid: from.process, tid: from.thread, id: a.id))
            events.append(
                Event(name: a.name, cat: "message", ph: "f", ts: a.toPs * 1e-6, pid: to.process, tid: to.thread, id: a.id, bp: "e"))
        }
        var metadata = about
        metadata["counter_samples"] = "\(timeline.samples.count)"
        metadata["arrows"] = "\(timeline.arrows.count)"
        metadata["spans"] = "\(timeline.spans.count)"
        metadata["spans_dropped"] = "\(timeline.dropped)"
        if timeline.dropped > 0 {
            metadata["limit"] = "recording stopped after \(timeline.limit) spans; \(timeline.dropped) later spans are not in this file"
        }
        if let w = timeline.window {
            metadata["window"] = "\(Units.formatTime(ps: w.lowerBound)) to \(Units.formatTime(ps: w.upperBound))"
            metadata["outside_window"] = "\(timeline.outside)"
        }
        if !timeline.notes.isEmpty { metadata["left_out"] = timeline.notes.joined(separator: "; ") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(File(traceEvents: events, metadata: metadata)) } catch {
            throw SpindleError(.io, "cannot encode the trace: \(error)")
        }
    }
}
