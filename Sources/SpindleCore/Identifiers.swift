/// A stable identifier of one simulated component, unique within a simulation.
///
/// Identifiers are assigned in model-construction order, never by thread or partition, so that the
/// event ordering key `(time, priority, source, sequence)` is the same for any worker count.
public struct ComponentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }
    @inlinable public static func < (a: ComponentID, b: ComponentID) -> Bool { a.raw < b.raw }
    public var description: String { "#\(raw)" }
}

/// The index of a partition (by default, one chip): the unit of parallel work in the engine.
public struct PartitionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: UInt32
    @inlinable public init(_ raw: UInt32) { self.raw = raw }
    @inlinable public static func < (a: PartitionID, b: PartitionID) -> Bool { a.raw < b.raw }
    public var description: String { "p\(raw)" }
}
