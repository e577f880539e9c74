@_exported import SpindleCollectives
@_exported import SpindleCompression
@_exported import SpindleCore
@_exported import SpindleEngine
@_exported import SpindleHardware
@_exported import SpindleMapping
@_exported import SpindleParallelism
@_exported import SpindleReport
@_exported import SpindleRun
@_exported import SpindleScenario
@_exported import SpindleValidation
@_exported import SpindleWorkload

/// The umbrella module: `import Spindle` gives the whole library.
public enum Spindle {
    /// This build's version.
    public static let version = ModelRevision.current
}
