/// Compact horizontal bars for terminal tables, drawn with Unicode block elements (eighths of a cell).
public enum TextBar {
    static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// A bar `fraction` (0...1, clamped) of `width` cells long; with `padded`, filled with spaces to `width`
    /// cells (for a column that others follow).
    public static func bar(_ fraction: Double, width: Int = 20, padded: Bool = false) -> String {
        let f = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let units = Int((f * Double(width) * 8).rounded())
        var s = String(repeating: "█", count: units / 8)
        if units % 8 > 0 { s.append(eighths[units % 8 - 1]) }
        return padded ? s + String(repeating: " ", count: max(width - s.count, 0)) : s
    }
}
