/// What a simulation did and when, as spans on named tracks (a process and a thread each), for timeline
/// viewers. Recording stops at `limit` spans; `dropped` counts the spans left out after that.
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

    public private(set) var tracks: [Track] = []
    public private(set) var spans: [Span] = []
    public let limit: Int
    public private(set) var dropped = 0
    /// What the recorder left out besides the dropped spans (chips not traced, ...), for the reader.
    public var notes: [String] = []

    public init(limit: Int) { self.limit = limit }

    /// Adds a track and returns its number.
    public mutating func addTrack(_ track: Track) -> Int {
        tracks.append(track)
        return tracks.count - 1
    }

    /// Records a span unless the limit is reached (then it is counted as dropped).
    public mutating func record(track: Int, name: String, category: String, startPs: Double, durationPs: Double) {
        guard spans.count < limit else {
            dropped += 1
            return
        }
        spans.append(Span(track: track, name: name, category: category, startPs: startPs, durationPs: durationPs))
    }
}
