import Foundation

/// Writes result files so that a reader never sees half a file and nothing the user set up is lost.
///
/// The data goes to a temporary file beside the destination and is renamed over it. A destination that is
/// a symbolic link is written through to its target (the link stays a link), and an existing file keeps
/// its permission bits.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws(SpindleError) {
        // A device, FIFO or terminal (`/dev/null`, `/dev/stdout`) is written in place: renaming over it
        // would replace the device with a file.
        if InputFile.kind(path) == .other {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw SpindleError(.io, "cannot write '\(path)'", hint: "Check its permissions")
            }
            do {
                try handle.write(contentsOf: data)
                try handle.close()
            } catch {
                throw SpindleError(.io, "cannot write '\(path)': \(error.localizedDescription)")
            }
            return
        }
        var target = path
        // Follow symbolic links to the file they name (relative links resolve against the link's folder).
        var hops = 0
        while let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: target) {
            hops += 1
            guard hops < 32 else { throw SpindleError(.io, "cannot write '\(path)': too many levels of symbolic links") }
            if destination.hasPrefix("/") {
                target = destination
            } else {
                target = (target as NSString).deletingLastPathComponent + "/" + destination
            }
        }
        if InputFile.kind(target) == .directory {
            throw SpindleError(.io, "cannot write '\(path)': it is a directory", expected: "a file path")
        }
        let mode = (try? FileManager.default.attributesOfItem(atPath: target))?[.posixPermissions] as? NSNumber
        let folder = (target as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/." + (target as NSString).lastPathComponent + ".\(getpid()).tmp"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary) }
            guard rename(temporary, target) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SpindleError(.io, "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
