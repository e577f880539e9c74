import SpindleCompression
import SpindleCore

/// One layer of a network, with the shapes that decide its work and data.
public struct Layer: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case conv2d, linear
    }
    public var name: String
    public var kind: Kind
    public var inChannels: Int
    public var outChannels: Int
    /// Input height and width (1 for linear layers).
    public var inHeight: Int
    public var inWidth: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var weightBits: Int
    public var activationBits: Int

    /// A 2D convolution with a square kernel.
    public static func conv(
        _ name: String, _ inC: Int, _ outC: Int, size: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bits: Int = 8
    ) -> Layer {
        Layer(
            name: name, kind: .conv2d, inChannels: inC, outChannels: outC, inHeight: size, inWidth: size, kernel: kernel,
            stride: stride, padding: padding, weightBits: bits, activationBits: bits)
    }

    /// A fully connected layer.
    public static func linear(_ name: String, _ inF: Int, _ outF: Int, bits: Int = 8) -> Layer {
        Layer(
            name: name, kind: .linear, inChannels: inF, outChannels: outF, inHeight: 1, inWidth: 1, kernel: 1, stride: 1,
            padding: 0, weightBits: bits, activationBits: bits)
    }

    public var outHeight: Int { (inHeight + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (inWidth + 2 * padding - kernel) / stride + 1 }
    /// Weights of one output channel.
    public var weightsPerFilter: Int { inChannels * kernel * kernel }
    public var parameters: Int { weightsPerFilter * outChannels }
    /// Multiply-accumulates for one input sample.
    public var macsPerSample: UInt64 { UInt64(outHeight * outWidth) * UInt64(weightsPerFilter) * UInt64(outChannels) }
    public var weightBytes: UInt64 { (UInt64(parameters) * UInt64(weightBits) + 7) / 8 }
    public var inputBytesPerSample: UInt64 { (UInt64(inChannels * inHeight * inWidth) * UInt64(activationBits) + 7) / 8 }
    public var outputBytesPerSample: UInt64 { (UInt64(outChannels * outHeight * outWidth) * UInt64(activationBits) + 7) / 8 }

    /// The weight tensor's shape, for compression.
    public var weightShape: WeightShape {
        WeightShape(
            name: name, outChannels: outChannels, inChannels: inChannels, kernelHeight: kind == .linear ? 1 : kernel,
            kernelWidth: kind == .linear ? 1 : kernel, isLinear: kind == .linear)
    }
}

/// A network: layers run in order.
public struct Network: Sendable, Equatable {
    public var name: String
    public var layers: [Layer]
    public init(name: String, layers: [Layer]) {
        self.name = name
        self.layers = layers
    }
    public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    public var macsPerSample: UInt64 { layers.reduce(0) { $0 + $1.macsPerSample } }
    /// The weight tensors' shapes, in layer order.
    public var weightShapes: [WeightShape] { layers.map(\.weightShape) }
}

/// Built-in networks.
public enum ModelZoo {
    /// Names of the built-in networks.
    public static var names: [String] { ["tiny-cnn", "lenet-5", "resnet18-cifar", "resnet18", "resnet50"] }

    /// The built-in network called `name`, or `nil`.
    public static func network(named name: String) -> Network? {
        switch name {
        case "tiny-cnn":
            // A small CIFAR-style network: three 3x3 convolutions and two linear layers, int8.
            return Network(name: name, layers: [
                .conv("conv1", 3, 32, size: 32, kernel: 3, padding: 1),
                .conv("conv2", 32, 64, size: 32, kernel: 3, stride: 2, padding: 1),
                .conv("conv3", 64, 128, size: 16, kernel: 3, stride: 2, padding: 1),
                .linear("fc1", 128 * 8 * 8, 256),
                .linear("fc2", 256, 10),
            ])
        case "lenet-5":
            // LeCun et al. 1998 (ReLU variant, no pooling layers modelled): 61,706 parameters with biases.
            return Network(name: name, layers: [
                .conv("c1", 1, 6, size: 32, kernel: 5),
                .conv("c3", 6, 16, size: 14, kernel: 5),
                .linear("f5", 16 * 5 * 5, 120),
                .linear("f6", 120, 84),
                .linear("f7", 84, 10),
            ])
        case "resnet18-cifar": return resnet18(cifar: true)
        case "resnet18": return resnet18(cifar: false)
        case "resnet50": return resnet50()
        default:
            return nil
        }
    }

    /// ResNet-18: BasicBlocks [2, 2, 2, 2]. CIFAR (kuangliu): 3x3 stem at 32x32, FC 512 -> 10.
    /// ImageNet (torchvision): 7x7 stride-2 stem and max-pool at 224x224, FC 512 -> 1000.
    /// Layers are listed in state_dict order (block conv1, conv2, then the shortcut).
    static func resnet18(cifar: Bool) -> Network {
        var layers: [Layer] = []
        var size: Int
        if cifar {
            layers.append(.conv("conv1", 3, 64, size: 32, kernel: 3, padding: 1))
            size = 32
        } else {
            layers.append(.conv("conv1", 3, 64, size: 224, kernel: 7, stride: 2, padding: 3))
            size = 56  // after the 3x3 stride-2 max-pool
        }
        var inC = 64
        for (stage, width) in [64, 128, 256, 512].enumerated() {
            for block in 0..<2 {
                let stride = stage > 0 && block == 0 ? 2 : 1
                let prefix = "layer\(stage + 1).\(block)"
                layers.append(.conv(prefix + ".conv1", inC, width, size: size, kernel: 3, stride: stride, padding: 1))
                let out = (size + 2 - 3) / stride + 1
                layers.append(.conv(prefix + ".conv2", width, width, size: out, kernel: 3, padding: 1))
                if stride != 1 || inC != width {
                    layers.append(.conv(prefix + (cifar ? ".shortcut" : ".downsample"), inC, width, size: size, kernel: 1, stride: stride))
                }
                inC = width
                size = out
            }
        }
        layers.append(.linear(cifar ? "linear" : "fc", 512, cifar ? 10 : 1000))
        return Network(name: cifar ? "resnet18-cifar" : "resnet18", layers: layers)
    }

    /// ResNet-50 (torchvision v1.5: stride on the 3x3 conv), 224x224, bottlenecks [3, 4, 6, 3].
    static func resnet50() -> Network {
        var layers: [Layer] = [.conv("conv1", 3, 64, size: 224, kernel: 7, stride: 2, padding: 3)]
        var size = 56
        var inC = 64
        for (stage, (width, blocks)) in [(64, 3), (128, 4), (256, 6), (512, 3)].enumerated() {
            for block in 0..<blocks {
                let stride = stage > 0 && block == 0 ? 2 : 1
                let prefix = "layer\(stage + 1).\(block)"
                layers.append(.conv(prefix + ".conv1", inC, width, size: size, kernel: 1))
                layers.append(.conv(prefix + ".conv2", width, width, size: size, kernel: 3, stride: stride, padding: 1))
                let out = (size + 2 - 3) / stride + 1
                layers.append(.conv(prefix + ".conv3", width, width * 4, size: out, kernel: 1))
                if block == 0 {
                    layers.append(.conv(prefix + ".downsample", inC, width * 4, size: size, kernel: 1, stride: stride))
                }
                inC = width * 4
                size = out
            }
        }
        layers.append(.linear("fc", 2048, 1000))
        return Network(name: "resnet50", layers: layers)
    }
}
