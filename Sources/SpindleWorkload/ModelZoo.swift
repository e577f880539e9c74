import SpindleCore

/// Built-in networks.
public enum ModelZoo {
    /// Names of the built-in networks.
    public static var names: [String] {
        ["tiny-cnn", "lenet-5", "alexnet", "vgg16", "resnet18-cifar", "resnet18", "resnet50", "mobilenetv2", "bert-base-block"]
            + TransformerZoo.names
    }

    /// The built-in network called `name`, or `nil`.
    public static func network(named name: String) -> Network? {
        switch name {
        case "tiny-cnn":
            // A small CIFAR-style network: three 3x3 convolutions and two linear layers, int8.
            return Network(
                name: name,
                layers: [
                    .conv("conv1", 3, 32, size: 32, kernel: 3, padding: 1),
                    .conv("conv2", 32, 64, size: 32, kernel: 3, stride: 2, padding: 1),
                    .conv("conv3", 64, 128, size: 16, kernel: 3, stride: 2, padding: 1),
                    .linear("fc1", 128 * 8 * 8, 256),
                    .linear("fc2", 256, 10),
                ])
        case "lenet-5":
            // LeCun et al. 1998 (ReLU variant, no pooling layers modelled): 61,706 parameters with biases.
            return Network(
                name: name,
                layers: [
                    .conv("c1", 1, 6, size: 32, kernel: 5),
                    .conv("c3", 6, 16, size: 14, kernel: 5),
                    .linear("f5", 16 * 5 * 5, 120),
                    .linear("f6", 120, 84),
                    .linear("f7", 84, 10),
                ])
        case "alexnet": return alexnet()
        case "vgg16": return vgg16()
        case "mobilenetv2": return mobilenetV2()
        case "bert-base-block": return bertBlock()
        case "resnet18-cifar": return resnet18(cifar: true)
        case "resnet18": return resnet18(cifar: false)
        case "resnet50": return resnet50()
        default:
            // A transformer runs one sequence of its full context per sample.
            return TransformerZoo.model(named: name).map { $0.network(tokens: $0.context) }
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

    /// AlexNet (torchvision): five convolutions at 224x224 (pooling between them), three FC layers.
    static func alexnet() -> Network {
        Network(
            name: "alexnet",
            layers: [
                .conv("conv1", 3, 64, size: 224, kernel: 11, stride: 4, padding: 2),
                .conv("conv2", 64, 192, size: 27, kernel: 5, padding: 2),
                .conv("conv3", 192, 384, size: 13, kernel: 3, padding: 1),
                .conv("conv4", 384, 256, size: 13, kernel: 3, padding: 1),
                .conv("conv5", 256, 256, size: 13, kernel: 3, padding: 1),
                .linear("fc6", 256 * 6 * 6, 4096), .linear("fc7", 4096, 4096), .linear("fc8", 4096, 1000),
            ])
    }

    /// VGG-16 (configuration D) at 224x224.
    static func vgg16() -> Network {
        var layers: [Layer] = []
        var size = 224, inC = 3, index = 1
        for (width, count) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)] {
            for _ in 0..<count {
                layers.append(.conv("conv\(index)", inC, width, size: size, kernel: 3, padding: 1))
                inC = width
                index += 1
            }
            size /= 2  // max-pool
        }
        layers += [.linear("fc1", 512 * 7 * 7, 4096), .linear("fc2", 4096, 4096), .linear("fc3", 4096, 1000)]
        return Network(name: "vgg16", layers: layers)
    }

    /// MobileNetV2 (width 1.0, torchvision) at 224x224: inverted residual blocks with depthwise 3x3 convs.
    static func mobilenetV2() -> Network {
        var layers: [Layer] = [.conv("features.0", 3, 32, size: 224, kernel: 3, stride: 2, padding: 1)]
        var size = 112, inC = 32, block = 1
        for (t, c, n, s) in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)] {
            for i in 0..<n {
                let stride = i == 0 ? s : 1
                let hidden = inC * t
                let p = "features.\(block)"
                if t != 1 { layers.append(.conv(p + ".expand", inC, hidden, size: size, kernel: 1)) }
                layers.append(.depthwise(p + ".dw", hidden, size: size, kernel: 3, stride: stride, padding: 1))
                let out = (size + 2 - 3) / stride + 1
                layers.append(.conv(p + ".project", hidden, c, size: out, kernel: 1))
                inC = c
                size = out
                block += 1
            }
        }
        layers.append(.conv("features.18", 320, 1280, size: 7, kernel: 1))
        layers.append(.linear("classifier", 1280, 1000))
        return Network(name: "mobilenetv2", layers: layers)
    }

    /// One BERT-base encoder block (hidden 768, 12 heads of 64, FFN 3072) on a 128-token sequence; attention
    /// as matmuls (Q x K^T and scores x V per head).
    static func bertBlock(tokens: Int = 128) -> Network {
        let h = 768, heads = 12, d = 64
        return Network(
            name: "bert-base-block",
            layers: [
                .linear("attention.query", h, h, tokens: tokens), .linear("attention.key", h, h, tokens: tokens),
                .linear("attention.value", h, h, tokens: tokens),
                .matmul("attention.scores", rows: tokens, inner: d, cols: tokens, count: heads),
                .matmul("attention.context", rows: tokens, inner: tokens, cols: d, count: heads),
                .linear("attention.output", h, h, tokens: tokens),
                .linear("intermediate", h, 3072, tokens: tokens), .linear("output", 3072, h, tokens: tokens),
            ])
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
