import SpindleCore
import Synchronization

/// The texts of the files a scenario was loaded from, for its input hash.
public final class InputRecorder: Sendable {
    private let texts = Mutex<[String]>([])

    public init() {}

    /// Records one file's text.
    public func record(_ text: String) { texts.withLock { $0.append(text) } }

    /// SHA-256 over Spindle's model revision, every recorded text (in sorted order, so the order in which
    /// files were read does not matter) and `overrides` (in order).
    public func hash(overrides: [String]) -> String {
        var h = SHA256()
        h.update(field: "spindle-inputs/" + ModelRevision.current)
        for t in texts.withLock({ $0 }).sorted() { h.update(field: t) }
        for o in overrides { h.update(field: o) }
        return h.hexDigest()
    }
}
