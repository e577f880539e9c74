/// The phase of a training (or inference) iteration that work belongs to: the one list of phase names,
/// in the order reports show them.
public enum Phase: String, Sendable, CaseIterable, Codable {
    /// Writing weights into spin crossbars once, before inference (when the scenario asks for it).
    case program
    case forward
    case backwardData = "backward-data"
    case backwardWeight = "backward-weight"
    /// Gradient all-reduce between data-parallel replicas.
    case exchange
    case update
    /// The run's own control messages (starting the chips and hearing that they finished), which belong to
    /// no step.
    case control
}
