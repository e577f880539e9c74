/// What a simulation did and when, as spans on named tracks (a process and a thread each), for timeline
/// viewers, with counter tracks (samples) and arrows between tracks. Recording stops at `limit` entries
/// (spans, samples and arrows together); `dropped` counts the entries left out after that.
public struct Timeline: Sendable, Equatable {
    /// Where spans are drawn: a process (a chip) and a thread in it.
    public struct Track: Sendable, Equatable {
        public var process: Int
        public var processName: String
        public var thread: Int
        public var threadName: String
        public init(process: Int, processName: String, thread: Int, threadName: String) {
            self.process = process
            self.processName = processName
            self.thread = thread
            self.threadName = threadName
        }
    }

    /// One interval of work or waiting on a track.
    public struct Span: Sendable, Equatable {
        public var track: Int
        public var name: String
        public var category: String
        public var startPs: Double
        public var durationPs: Double
    }

    /// A value of a counter track (a named series of a process) from `timePs` until the next sample.
    public struct Sample: Sendable, Equatable {
        public var process: Int
        public var name: String
        public var timePs: Double
        public var value: Double
    }

    /// An arrow from a point on one track to a point on another (a message between chips).
    public struct Arrow: Sendable, Equatable {
        public var id: Int
        public var name: String
        public var fromTrack: Int
        public var fromPs: Double
        public var toTrack: Int
        public var toPs: Double
    }

    public private(set) var tracks: [Track] = []
    public private(set) var spans: [Span] = []
    public private(set) var samples: [Sample] = []
    public private(set) var arrows: [Arrow] = []
    public let limit: Int
    public private(set) var dropped = 0
    /// Only what happens in this interval of simulated picoseconds is kept (`nil`: everything): spans that
    /// overlap it, samples and arrows inside it. `outside` counts the entries left out for it.
    public let window: ClosedRange<Double>?
    public private(set) var outside = 0
    /// What the recorder left out besides the dropped spans (chips not traced, ...), for the reader.
    public var notes: [String] = []

    public init(limit: Int, window: ClosedRange<Double>? = nil) {
        self.limit = limit
        self.window = window
    }

    /// Whether [start, end] meets the window (counting it as outside when not).
    private mutating func inWindow(_ start: Double, _ end: Double) -> Bool {
        guard let window, end < window.lowerBound || start > window.upperBound else { return true }
        outside += 1
        return false
    }

    /// Adds a track and returns its number.
    public mutating func addTrack(_ track: Track) -> Int {
        tracks.append(track)
        return tracks.count - 1
    }

    /// Records a span unless the limit is reached (then it is counted as dropped).
    public mutating func record(track: Int, name: String, category: String, startPs: Double, durationPs: Double) {
        guard inWindow(startPs, startPs + durationPs) else { return }
        guard spans.count + samples.count + arrows.count < limit else {
            dropped += 1
            return
        }
        spans.append(Span(track: track, name: name, category: category, startPs: startPs, durationPs: durationPs))
    }

    /// Records a counter sample; samples count towards the limit like spans.
    public mutating func sample(process: Int, name: String, timePs: Double, value: Double) {
        guard inWindow(timePs, timePs) else { return }
        guard spans.count + samples.count + arrows.count < limit else {
            dropped += 1
            return
        }
        samples.append(Sample(process: process, name: name, timePs: timePs, value: value))
    }

    /// Records an arrow between two tracks; arrows count towards the limit like spans.
    public mutating func arrow(name: String, from: Int, at fromPs: Double, to: Int, at toPs: Double) {
        guard inWindow(fromPs, fromPs), inWindow(toPs, toPs) else { return }
        guard spans.count + samples.count + arrows.count < limit else {
            dropped += 1
            return
        }
        arrows.append(Arrow(id: arrows.count + 1, name: name, fromTrack: from, fromPs: fromPs, toTrack: to, toPs: toPs))
    }
}
