import ArgumentParser
import SpindleCompression
import SpindleHardware
import SpindleStudies
import SpindleWorkload

// Options whose values are one of a library enum's cases are typed: ArgumentParser lists the choices in
// the help and refuses anything else as a usage error (exit status 2, see `SpindleMain`).

extension CompressionMethod: ExpressibleByArgument {}
extension OSCOptions.Quantizer: ExpressibleByArgument {}
extension OSCOptions.Scale: ExpressibleByArgument {}
extension OSCOptions.Index: ExpressibleByArgument {}
extension DRAMTraffic: ExpressibleByArgument {}
extension SystolicDataflow: ExpressibleByArgument {}

/// How `spindle compress --method dense` stores the weights.
enum DenseStorage: String, CaseIterable, ExpressibleByArgument {
    case fp32, fp16, int8

    var dtype: DType {
        switch self {
        case .fp32: .float32
        case .fp16: .float16
        case .int8: .int8
        }
    }
}
