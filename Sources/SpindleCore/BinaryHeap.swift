/// A binary min-heap: `pop` returns the smallest element. Elements that compare equal come out in no set
/// order, so callers that need determinism give their elements a total order (a sequence number last).
///
/// Inlinable, so each element type gets its own specialised copy in the module that uses it.
public struct BinaryHeap<Element: Comparable>: Sendable where Element: Sendable {
    @usableFromInline var items: [Element] = []

    public init() {}

    @inlinable public var count: Int { items.count }
    @inlinable public var isEmpty: Bool { items.isEmpty }
    /// The smallest element, if any.
    @inlinable public var first: Element? { items.first }

    @inlinable
    public mutating func push(_ element: Element) {
        items.append(element)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the smallest element, if any.
    @inlinable
    @discardableResult
    public mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l] < items[m] { m = l }
            if r < items.count && items[r] < items[m] { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
