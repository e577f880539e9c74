import SpindleCore

/// A network: layers run in order.
public struct Network: Sendable, Equatable {
    public var name: String
    public var layers: [Layer]
    /// How compressed layers store their weights, by layer name (layers without an entry are dense).
    public var encodings: [String: WeightEncoding] = [:]
    public init(name: String, layers: [Layer]) {
        self.name = name
        self.layers = layers
    }
    public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    public var macsPerSample: UInt64 { layers.reduce(0) { $0 + $1.macsPerSample } }
    /// The weight tensors' shapes, in layer order (matmuls have none).
    public var weightShapes: [WeightShape] { layers.filter { $0.kind != .matmul }.map(\.weightShape) }
}
