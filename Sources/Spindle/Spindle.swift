@_exported import SpindleCore
@_exported import SpindleEngine

/// The umbrella module: `import Spindle` gives the whole library.
public enum Spindle {
    /// This build's version.
    public static let version = "0.1.0"
}
