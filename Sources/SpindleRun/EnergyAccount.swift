import SpindleCore
import SpindleEngine
import SpindleHardware

/// A run's counts priced and broken down: by component kind, action, step label and chip, with the facts
/// the report needs (latency, busy time, bytes moved, crossbar writes).
///
/// Sums run in a fixed order (components by id; within one, counters by name), so the energies are the
/// same to the last bit for any number of workers and in any process.
struct EnergyAccount {
    var total = 0.0
    var byComponent: [String: Double] = [:]
    var byAction: [String: Double] = [:]
    var byLevel: [String: Double] = [:]
    /// Energy per step label (index into `Schedule.labels`).
    var byLabel: [Double]
    var byChip: [Double]
    /// Energy of the coordinator's start and finish messages, which belong to no step.
    var controlEnergy = 0.0
    /// Picoseconds each chip spent in steps of each label.
    var labelTime: [[UInt64]]
    /// Counts of every priced action and of unpriced energy actions, by name.
    var counts: [String: UInt64] = [:]
    /// Energy actions counted but not priced by the technology.
    var unpriced: Set<String> = []
    var latencyPs: Picoseconds = 0
    var busyPs: UInt64 = 0
    var macs: UInt64 = 0
    var dramRead: UInt64 = 0, dramWritten: UInt64 = 0
    /// Bytes moved by kind of traffic.
    var nocLinkBits: UInt64 = 0, nocRouterBits: UInt64 = 0, packageBits: UInt64 = 0
    var bufferRead: UInt64 = 0, bufferWrite: UInt64 = 0
    /// Writes per crossbar cell over the run.
    var cellWrites: UInt64 = 0

    init(model: AcceleratorModel, result: SimulationResult, crossbarsResident: Bool) {
        let schedule = model.schedule
        let catalogue = model.catalogue
        let price = catalogue.counters.map { $0.action.flatMap(model.prices.price) }
        let names = catalogue.counters.map(\.name)
        byLabel = Array(repeating: 0, count: schedule.labels.count)
        byChip = Array(repeating: 0, count: model.topology.chips)
        labelTime = Array(repeating: Array(repeating: 0, count: schedule.labels.count), count: model.topology.chips)
        var counted = [UInt64](repeating: 0, count: catalogue.counters.count)
        var present = [Bool](repeating: false, count: catalogue.counters.count)
        for (id, counters) in result.counters {
            let kind = model.kinds[Int(id.raw)]
            let chip = model.chipOf[Int(id.raw)]
            var plain: [(slot: Int, n: UInt64)] = []
            var labelled: [(label: Int, slot: Int, n: UInt64)] = []
            for (key, n) in counters.values where !catalogue.isActivity(key) {
                let (slot, label) = catalogue.decode(key)
                if let label { labelled.append((label, slot, n)) } else { plain.append((slot, n)) }
            }
            plain.sort { catalogue.nameRank[$0.slot] < catalogue.nameRank[$1.slot] }
            labelled.sort { ($0.label, catalogue.nameRank[$0.slot]) < ($1.label, catalogue.nameRank[$1.slot]) }
            var componentEnergy = 0.0
            var labelledBytes: [(label: Int, bytes: UInt64)] = []
            var labelledEnergy = 0.0
            var rounds: [String: UInt64] = [:]
            for (label, slot, n) in labelled {
                switch catalogue.counters[slot] {
                case .stepPs:
                    labelTime[chip][label] += n
                    continue
                case .xbarProgramRounds:
                    rounds[schedule.labels[label].layer, default: 0] += n
                    continue
                case .dramBytesRead, .dramBytesWritten: labelledBytes.append((label, n))
                default: break
                }
                if let p = price[slot] {
                    byLabel[label] += Double(n) * p
                    labelledEnergy += Double(n) * p
                }
            }
            var facts: [Counter: UInt64] = [:]
            for (slot, n) in plain {
                let counter = catalogue.counters[slot]
                guard let action = counter.action else {
                    facts[counter] = n
                    continue
                }
                if let p = price[slot] {
                    let e = Double(n) * p
                    // Package link bits count at the sending controller but are the package's energy.
                    byComponent[action == .nopLinkBits ? ComponentKind.package.rawValue : kind.rawValue, default: 0] += e
                    byAction[names[slot], default: 0] += e
                    byLevel[action.level.rawValue, default: 0] += e
                    total += e
                    componentEnergy += e
                } else if n > 0 {
                    unpriced.insert(names[slot])
                } else {
                    continue
                }
                counted[slot] += n
                present[slot] = true
            }
            byChip[chip] += componentEnergy
            if kind == .package { controlEnergy += componentEnergy }
            // JEDEC channels price commands, not bytes: their energy is shared out by bytes moved per label.
            if kind == .dram, labelledEnergy == 0, componentEnergy > 0 {
                let bytes = labelledBytes.reduce(UInt64(0)) { $0 + $1.bytes }
                if bytes > 0 { for (l, b) in labelledBytes { byLabel[l] += componentEnergy * Double(b) / Double(bytes) } }
            }
            busyPs += facts[.tileBusyPs] ?? 0
            macs += facts[.tileMACs] ?? 0
            // Writes per cell: resident layers own their cells (the most rounds of any layer); reloaded layers
            // share them (every round rewrites them).
            let tileWrites = crossbarsResident ? rounds.values.max() ?? 0 : rounds.values.reduce(0, +)
            cellWrites = max(cellWrites, tileWrites)
            dramRead += facts[.dramBytesRead] ?? 0
            dramWritten += facts[.dramBytesWritten] ?? 0
            if kind == .package { latencyPs = facts[.runEndPs] ?? 0 }
        }
        for slot in counted.indices where present[slot] {
            let n = counted[slot]
            counts[names[slot]] = n
            switch catalogue.counters[slot].action {
            case .nocLinkBits: nocLinkBits += n
            case .nocRouterBits: nocRouterBits += n
            case .nopLinkBits: packageBits += n
            case .bufferRead: bufferRead += n
            case .bufferWrite: bufferWrite += n
            default: break
            }
        }
    }
}
