import SpindleCore
import SpindleHardware

/// The step labels of a schedule, numbered in order of first use.
struct StepLabels {
    private(set) var labels: [StepLabel] = []
    private var index: [StepLabel: Int] = [:]

    /// The number of `layer` in `phase`, created on first use.
    mutating func callAsFunction(_ layer: String, _ phase: Phase) -> Int {
        let l = StepLabel(layer: layer, phase: phase)
        if let i = index[l] { return i }
        labels.append(l)
        index[l] = labels.count - 1
        return labels.count - 1
    }
}
