import SpindleCore

extension TrainingResult {
    /// The result as a few lines and a table of stages, for a terminal.
    public func text(estimateSeconds: Double? = nil) -> String {
        func b(_ x: Double) -> String { Units.formatBytes(count: x) }
        func s(_ x: Double) -> String { Units.format(x, 3) }
        var lines: [String] = []
        lines.append("\(model) on \(chips) chips (\(network)), \(plan), \(schedule.rawValue) schedule, \(fidelity)-level network")
        var head = "  iteration \(s(iterationSeconds)) s"
        if let e = estimateSeconds { head += " (analytic estimate \(s(e)) s)" }
        head +=
            ": \(Units.format(tokensPerSecond, 0)) tokens/s, MFU \(Units.format(modelFLOPsUtilisation * 100, 1)) %, \(Units.format(hardwareTFLOPsPerChip, 1)) TFLOP/s per chip with recomputation"
        lines.append(head)
        lines.append(
            "  memory per chip \(b(peakMemoryBytes)) of \(b(memoryCapacityBytes))"
                + (peakMemoryBytes > memoryCapacityBytes ? " (does not fit)" : ""))
        let levels = linkBytesByLevel.enumerated().map { "level \($0.offset) \(b($0.element))" }.joined(separator: ", ")
        lines.append("  network: \(levels); \(Units.formatEnergy(Picojoules(linkEnergyPJ.rounded()))) in links")
        lines.append(
            "  \(flows) flows on the shared network, \(sharedCollectives) collectives run on it, \(reusedCollectives) on links of their own (timed once per size)"
        )
        lines.append("  stage  layers  in flight  compute  (recompute)  tensor  pipeline wait  data  expert  tail   (s, mean per chip)")
        for (i, st) in stages.enumerated() {
            let cells = [
                "\(i)".leftPadded(7), "\(st.layers)".leftPadded(8), "\(st.peakInFlight)".leftPadded(11), s(st.computeSeconds).leftPadded(9),
                ("(" + s(st.recomputeSeconds) + ")").leftPadded(13), s(st.tensorSeconds).leftPadded(8),
                s(st.pipelineWaitSeconds).leftPadded(15), s(st.dataSeconds).leftPadded(6), s(st.expertSeconds).leftPadded(8),
                s(st.tailSeconds).leftPadded(6),
            ]
            lines.append(cells.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
