/// Hands out the tags that match package sends to receives: unique in a schedule, so a chip never
/// confuses two transfers.
struct TagAllocator {
    /// A stage-boundary transfer: the stage it enters (forward) or leaves towards (backward), the replica,
    /// the micro-batch, the direction and the slice.
    struct Transfer: Hashable {
        var boundary: Int
        var replica: Int
        var microBatch: Int
        var backward: Bool
        var slice: Int
    }

    private var next: UInt32 = 1
    private var transfers: [Transfer: UInt32] = [:]

    /// The tag of a transfer: both ends ask with the same key and get the same tag.
    mutating func tag(_ t: Transfer) -> UInt32 {
        if let tag = transfers[t] { return tag }
        transfers[t] = next
        next += 1
        return next - 1
    }

    /// The first of `rounds` consecutive tags for a ring collective's rounds.
    mutating func collective(rounds: Int) -> UInt32 {
        let base = next
        next += UInt32(max(rounds, 1))
        return base
    }
}
