import Foundation
import SpindleCore

/// One layer of a SCALE-Sim topology CSV, in convolution form.
public struct ScaleSimLayer: Sendable, Equatable {
    public var name: String
    public var ifmapHeight: Int, ifmapWidth: Int
    public var filterHeight: Int, filterWidth: Int
    public var channels: Int, filters: Int
    public var strideHeight: Int, strideWidth: Int
    /// The row's N:M weight sparsity (SCALE-Sim v3's `Sparsity` column); nil when the row has none.
    public var sparsity: NMSparsity? = nil

    public init(
        name: String, ifmapHeight: Int, ifmapWidth: Int, filterHeight: Int, filterWidth: Int, channels: Int, filters: Int,
        strideHeight: Int,
        strideWidth: Int
    ) {
        self.name = name
        self.ifmapHeight = ifmapHeight
        self.ifmapWidth = ifmapWidth
        self.filterHeight = filterHeight
        self.filterWidth = filterWidth
        self.channels = channels
        self.filters = filters
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
    }

    /// Output size without padding: ceil((I - F + S) / S).
    public var ofmapHeight: Int { (ifmapHeight - filterHeight + strideHeight + strideHeight - 1) / strideHeight }
    public var ofmapWidth: Int { (ifmapWidth - filterWidth + strideWidth + strideWidth - 1) / strideWidth }
    public var ofmapPixels: Int { ofmapHeight * ofmapWidth }
    public var window: Int { filterHeight * filterWidth * channels }
    public var macs: Int { ofmapPixels * window * filters }
}

/// Reads SCALE-Sim topology CSVs (conv and GEMM forms).
public enum ScaleSimTopology {
    /// The most MACs one layer may have: keeps every cycle and access count far from `Int` overflow.
    public static let maxLayerMACs = 1e14
    /// The most layers a file may expand to (depthwise rows become one layer per channel).
    public static let maxLayers = 100_000

    /// The header row must be the conv form's or the GEMM form's, as `gemm` says: a conv CSV read as GEMM
    /// (or the reverse) would otherwise run with every column misread.
    static func checkHeader(_ header: String, file: String, gemm: Bool) throws(SpindleError) {
        let cells = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        let isGemm = cells.count >= 4 && cells[1] == "m" && cells[2] == "n" && cells[3] == "k"
        let isConv = cells.count >= 8 && cells[1].contains("ifmap") && cells[3].contains("filter")
        let at = SourceLocation(file: file, line: 1)
        if gemm && !isGemm {
            throw SpindleError(
                .invalidValue,
                isConv ? "the file is a convolution topology, but it is read as GEMM" : "the header is not SCALE-Sim's GEMM header",
                at: at, expected: "Layer Name, M, N, K,", hint: isConv ? "Drop --gemm (or model_format: scalesim-gemm)" : nil)
        }
        if !gemm && !isConv {
            throw SpindleError(
                .invalidValue,
                isGemm ? "the file is a GEMM topology, but it is read as convolutions" : "the header is not SCALE-Sim's convolution header",
                at: at, expected: "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,",
                hint: isGemm ? "Add --gemm (or model_format: scalesim-gemm)" : nil)
        }
    }

    /// Parses a topology. The first line is a header and is skipped; every row loses its last
    /// comma-separated piece (rows must end with a comma); GEMM rows (M, N, K) become convolutions of an
    /// M x K input with a 1 x K filter, 1 channel and N filters; layers whose name contains `DP` are
    /// expanded into one single-channel layer per channel. A last field of the form `N:M` is SCALE-Sim
    /// v3's `Sparsity` column.
    public static func parse(_ text: String, file: String, gemm: Bool) throws(SpindleError) -> [ScaleSimLayer] {
        var layers: [ScaleSimLayer] = []
        let lines = TextLines.split(text)
        try checkHeader(lines.first.map(String.init) ?? "", file: file, gemm: gemm)
        for (i, raw) in lines.enumerated() where i > 0 {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let at = SourceLocation(file: file, line: i + 1)
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            fields.removeLast()
            var sparsity: NMSparsity? = nil
            if fields.count > (gemm ? 4 : 8), let last = fields.last, last.contains(":") {
                sparsity = try NMSparsity.parse(last, at: at)
                fields.removeLast()
            }
            let names =
                gemm
                ? ["Layer Name", "M", "N", "K"]
                : ["Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides"]
            guard fields.count >= names.count else {
                throw SpindleError(
                    .syntax, "row has \(fields.count) field(s) before its final comma; the field '\(names[fields.count])' is missing",
                    at: at, expected: names.joined(separator: ", ") + ", (each row ends with a comma)")
            }
            var numbers: [Int] = []
            for (k, f) in fields.enumerated().dropFirst() {
                let name = k < names.count ? names[k] : "Stride Width"
                // GEMM sizes go to 2^24 (beyond any model's matrices), convolution sizes to 2^16.
                let limit = gemm ? 1 << 24 : 1 << 16
                guard let v = Int(f), (1...limit).contains(v) else {
                    throw SpindleError(.invalidValue, "'\(name)' is '\(f)'", at: at, expected: "a whole number from 1 to \(limit)")
                }
                numbers.append(v)
            }
            let name = fields[0]
            var layer: ScaleSimLayer
            if gemm {
                let (m, n, k) = (numbers[0], numbers[1], numbers[2])
                layer = ScaleSimLayer(
                    name: name, ifmapHeight: m, ifmapWidth: k, filterHeight: 1, filterWidth: k, channels: 1, filters: n, strideHeight: 1,
                    strideWidth: 1)
            } else {
                layer = ScaleSimLayer(
                    name: name, ifmapHeight: numbers[0], ifmapWidth: numbers[1], filterHeight: numbers[2], filterWidth: numbers[3],
                    channels: numbers[4], filters: numbers[5], strideHeight: numbers[6],
                    strideWidth: numbers.count > 7 ? numbers[7] : numbers[6])
            }
            layer.sparsity = sparsity
            guard layer.filterHeight <= layer.ifmapHeight, layer.filterWidth <= layer.ifmapWidth else {
                throw SpindleError(.invalidValue, "layer '\(name)' has a filter larger than its input", at: at)
            }
            let macs =
                Double(layer.ofmapHeight) * Double(layer.ofmapWidth) * Double(layer.filterHeight) * Double(layer.filterWidth)
                * Double(layer.channels) * Double(layer.filters)
            guard macs <= ScaleSimTopology.maxLayerMACs else {
                throw SpindleError(
                    .invalidValue, "layer '\(name)' has \(macs) MACs", at: at,
                    expected: "at most \(ScaleSimTopology.maxLayerMACs) MACs per layer (GPT-3's largest GEMM has about 1e12)")
            }
            if name.contains("DP") && layers.count + layer.channels > ScaleSimTopology.maxLayers {
                throw SpindleError(
                    .invalidValue, "depthwise layer '\(name)' expands to \(layer.channels) single-channel layers", at: at,
                    expected: "at most \(ScaleSimTopology.maxLayers) layers in all")
            }
            if name.contains("DP") {
                for c in 0..<layer.channels {
                    var single = layer
                    single.name = name + "Channel_\(c)"
                    single.channels = 1
                    layers.append(single)
                }
            } else {
                layers.append(layer)
            }
        }
        guard !layers.isEmpty else { throw SpindleError(.invalidValue, "'\(file)' has no layers", at: SourceLocation(file: file)) }
        return layers
    }

    /// A topology CSV as a network named after the file: conv rows become unpadded 8-bit convolutions
    /// (depthwise `DP` rows one single-channel layer per channel, as SCALE-Sim runs them); GEMM rows (M, N, K)
    /// become linear layers of K inputs and N outputs applied to M rows.
    public static func network(_ text: String, file: String, gemm: Bool) throws(SpindleError) -> Network {
        var layers: [Layer] = []
        for r in try parse(text, file: file, gemm: gemm) {
            if let s = r.sparsity, s != .dense {
                throw SpindleError(
                    .unsupported, "layer '\(r.name)' has N:M sparsity \(s), which only `spindle array` models (SCALE-Sim v3's sparsity)",
                    at: SourceLocation(file: file), expected: "no Sparsity column, or 1:1",
                    hint: "Compress the network with SmartDeal or OSC in the scenario instead")
            }
            if gemm {
                layers.append(.linear(r.name, r.filterWidth, r.filters, tokens: r.ifmapHeight))
                continue
            }
            var l = Layer.conv(r.name, r.channels, r.filters, size: r.ifmapHeight, kernel: r.filterHeight, stride: r.strideHeight)
            l.kernelWidth = r.filterWidth
            l.strideWidth = r.strideWidth
            l.inWidth = r.ifmapWidth
            layers.append(l)
        }
        let base = (file as NSString).lastPathComponent
        return Network(name: String(base.dropLast(base.hasSuffix(".csv") ? 4 : 0)), layers: layers)
    }
}
