/// The revision of Spindle's hardware and workload models.
///
/// It enters every input hash, so results stored by an older build are recomputed rather than reused
/// when the models change. Bump it with any change that alters a number in a result.
public enum ModelRevision {
    public static let current = "0.4.0"
}
