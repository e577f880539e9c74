"""Writes the ONNX fixtures of SpindleWorkloadTests (run from this folder: python3 make_fixtures.py).

Built with the `onnx` package's helpers (onnx 1.23.2, opset 17), not exported from a framework, so that
the files are small and the script says exactly what is in them:

- tiny-cnn.onnx: conv, batch norm, relu, max pool, a depthwise conv, a 1x1 conv, global average pool,
  flatten and a Gemm, with their weights.
- attention.onnx: a transformer attention block on 8 tokens of width 64 with 2 heads: Q, K, V and output
  projections (MatMul with weights), reshapes and transposes into heads, the two activation products and a
  softmax.
- resnet50.onnx: ResNet-50's graph as torchvision defines it (convolutions, batch norms, relus, residual
  adds, pools, the classifier), its weights left in an external file that is not shipped: only the
  structure is read.
- gpt2-block.onnx: one GPT-2 (124M) transformer block as torch.onnx exports Hugging Face's GPT2Block at
  opset 17: symbolic `batch` and `sequence`, Conv1D layers as Reshape -> Gemm (addmm) -> Reshape with the
  shapes computed by Shape/Gather/Unsqueeze/Concat, the fused QKV projection split in three, heads split
  and merged by computed reshapes, the causal mask sliced from a buffer with computed bounds and applied
  with Where, LayerNormalization, and the tanh GELU written out elementwise. Weights in an external file
  that is not shipped.
- conv-shapes.onnx: a 1-D convolution stack (stride, padding, dilation, a 1-D max pool) reshaped into a 2-D
  one with 1x7 and 7x1 filters (asymmetric padding, unequal strides), then a SAME_UPPER convolution.
- conv-shapes.json: every output shape of conv-shapes.onnx and gpt2-block.onnx (sequence 16) as onnx's own
  shape inference gives it, the reference the importer's shapes are compared with.
- conv3d.onnx and lstm.onnx: a 3-D convolution and an LSTM, which the importer refuses by name.
"""
import json
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]
rng = np.random.default_rng(1)


def weights(name, *dims):
    return numpy_helper.from_array(rng.standard_normal(dims).astype(np.float32) * 0.1, name)


def save(graph, path):
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="spindle-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def tiny_cnn():
    nodes, inits = [], []
    inits += [weights("c1.w", 16, 3, 3, 3), weights("c1.b", 16)]
    nodes.append(helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["c1"], name="conv1", pads=[1, 1, 1, 1]))
    for p in ["scale", "bias", "mean", "var"]:
        inits.append(numpy_helper.from_array(np.ones(16, np.float32), "bn1." + p))
    nodes.append(helper.make_node("BatchNormalization", ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"], ["b1"], name="bn1"))
    nodes.append(helper.make_node("Relu", ["b1"], ["r1"], name="relu1"))
    nodes.append(helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]))
    inits.append(weights("dw.w", 16, 1, 3, 3))
    nodes.append(helper.make_node("Conv", ["p1", "dw.w"], ["d1"], name="dw", group=16, pads=[1, 1, 1, 1], strides=[2, 2]))
    nodes.append(helper.make_node("Clip", ["d1"], ["d2"], name="relu6"))
    inits.append(weights("pw.w", 32, 16, 1, 1))
    nodes.append(helper.make_node("Conv", ["d2", "pw.w"], ["c2"], name="pw"))
    nodes.append(helper.make_node("GlobalAveragePool", ["c2"], ["g"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["g"], ["f"], name="flatten"))
    inits += [weights("fc.w", 10, 32), weights("fc.b", 10)]
    nodes.append(helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["y"], name="fc", transB=1))
    graph = helper.make_graph(
        nodes, "tiny-cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    save(graph, "tiny-cnn.onnx")


def attention():
    d, heads, tokens = 64, 2, 8
    nodes, inits = [], []
    for p in ["q", "k", "v", "o"]:
        inits.append(weights(p + ".w", d, d))
    inits.append(numpy_helper.from_array(np.array([1, tokens, heads, d // heads], np.int64), "split"))
    inits.append(numpy_helper.from_array(np.array([1, tokens, d], np.int64), "merge"))
    for p in ["q", "k", "v"]:
        nodes.append(helper.make_node("MatMul", ["x", p + ".w"], [p], name=p + "_proj"))
        nodes.append(helper.make_node("Reshape", [p, "split"], [p + "s"], name=p + "_split"))
    nodes.append(helper.make_node("Transpose", ["qs"], ["qh"], name="q_heads", perm=[0, 2, 1, 3]))
    nodes.append(helper.make_node("Transpose", ["ks"], ["kt"], name="k_heads", perm=[0, 2, 3, 1]))
    nodes.append(helper.make_node("Transpose", ["vs"], ["vh"], name="v_heads", perm=[0, 2, 1, 3]))
    nodes.append(helper.make_node("MatMul", ["qh", "kt"], ["scores"], name="scores"))
    nodes.append(helper.make_node("Softmax", ["scores"], ["probs"], name="softmax", axis=-1))
    nodes.append(helper.make_node("MatMul", ["probs", "vh"], ["ctx"], name="context"))
    nodes.append(helper.make_node("Transpose", ["ctx"], ["ctxt"], name="merge_heads", perm=[0, 2, 1, 3]))
    nodes.append(helper.make_node("Reshape", ["ctxt", "merge"], ["ctxm"], name="merge"))
    nodes.append(helper.make_node("MatMul", ["ctxm", "o.w"], ["y0"], name="o_proj"))
    nodes.append(helper.make_node("Add", ["y0", "x"], ["y"], name="residual"))
    graph = helper.make_graph(
        nodes, "attention", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, tokens, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, tokens, d])], inits)
    save(graph, "attention.onnx")


def external(name, *dims, location="resnet50.weights", data_type=TensorProto.FLOAT):
    """An initializer with its dimensions only: its data is in a file that is not shipped."""
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    entry = t.external_data.add()
    entry.key, entry.value = "location", location
    return t


def resnet50():
    nodes, inits = [], []

    def conv_bn(x, name, cin, cout, k, stride, pad, relu=True):
        inits.append(external(name + ".weight", cout, cin, k, k))
        nodes.append(helper.make_node("Conv", [x, name + ".weight"], [name], name=name, kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[pad] * 4))
        bn = name.replace("conv", "bn").replace("downsample", "downsample.bn")
        for p in ["weight", "bias", "running_mean", "running_var"]:
            inits.append(external(bn + "." + p, cout))
        nodes.append(helper.make_node("BatchNormalization", [name] + [bn + "." + p for p in ["weight", "bias", "running_mean", "running_var"]],
                                      [bn], name=bn))
        if not relu:
            return bn
        nodes.append(helper.make_node("Relu", [bn], [bn + ".relu"], name=bn + ".relu"))
        return bn + ".relu"

    y = conv_bn("input", "conv1", 3, 64, 7, 2, 3)
    nodes.append(helper.make_node("MaxPool", [y], ["maxpool"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4))
    y, cin = "maxpool", 64
    for stage, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)]):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            p = f"layer{stage + 1}.{block}"
            a = conv_bn(y, p + ".conv1", cin, width, 1, 1, 0)
            b = conv_bn(a, p + ".conv2", width, width, 3, stride, 1)
            c = conv_bn(b, p + ".conv3", width, width * 4, 1, 1, 0, relu=False)
            short = conv_bn(y, p + ".downsample", cin, width * 4, 1, stride, 0, relu=False) if block == 0 else y
            nodes.append(helper.make_node("Add", [c, short], [p + ".add"], name=p + ".add"))
            nodes.append(helper.make_node("Relu", [p + ".add"], [p + ".out"], name=p + ".relu"))
            y, cin = p + ".out", width * 4
    nodes.append(helper.make_node("GlobalAveragePool", [y], ["avgpool"], name="avgpool"))
    nodes.append(helper.make_node("Flatten", ["avgpool"], ["flat"], name="flatten"))
    inits += [external("fc.weight", 1000, 2048), external("fc.bias", 1000)]
    nodes.append(helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        nodes, "resnet50", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1000])], inits)
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="spindle-fixtures")
    model.ir_version = 8
    onnx.save(model, "resnet50.onnx")  # the checker would look for the external weights


def gpt2_block(h=768, heads=12, ffn=3072, positions=1024):
    """GPT2Block(x) for x of shape [batch, sequence, h], node for node as the exporter writes it."""
    nodes, inits = [], []
    d = h // heads
    n = [0]

    def node(op, inputs, outputs=None, **attrs):
        n[0] += 1
        outs = outputs or ["/%s_%d_output_0" % (op, n[0])]
        nodes.append(helper.make_node(op, inputs, outs, name="/%s_%d" % (op, n[0]), **attrs))
        return outs[0] if len(outs) == 1 else outs

    def const(values, name):
        inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    def dim(x, k):
        """x.size(k) as a 1-element vector: Shape -> Gather -> Unsqueeze."""
        shape = node("Shape", [x])
        g = node("Gather", [shape, const(k, "/k%d_%d" % (k, n[0]))], axis=0)
        return node("Unsqueeze", [g, const([0], "/axes_%d" % n[0])])

    def external(name, *dims, data_type=TensorProto.FLOAT):
        return globals()["external"](name, *dims, location="gpt2-block.weights", data_type=data_type)

    def conv1d(x, name, cin, cout):
        """transformers' Conv1D: addmm(bias, x.view(-1, cin), weight).view(*x.size()[:-1], cout)."""
        w, b = external(name + ".weight", cin, cout), external(name + ".bias", cout)
        inits.extend([w, b])
        flat = node("Reshape", [x, const([-1, cin], name + "/flat_shape")])
        y = helper.make_node("Gemm", [flat, w.name, b.name], [name + "/Gemm_output_0"], name=name + "/Gemm")
        nodes.append(y)
        shape = node("Concat", [dim(x, 0), dim(x, 1), const([cout], name + "/cout")], axis=0)
        return node("Reshape", [name + "/Gemm_output_0", shape])

    def layer_norm(x, name):
        g, b = external(name + ".weight", h), external(name + ".bias", h)
        inits.extend([g, b])
        return node("LayerNormalization", [x, g.name, b.name], axis=-1, epsilon=1e-5)

    def split_heads(x):
        shape = node("Concat", [dim(x, 0), dim(x, 1), const([heads, d], "/heads_%d" % n[0])], axis=0)
        return node("Transpose", [node("Reshape", [x, shape])], perm=[0, 2, 1, 3])

    x = "hidden_states"
    a = layer_norm(x, "h.0.ln_1")
    qkv = conv1d(a, "h.0.attn.c_attn", h, 3 * h)
    q, k, v = node("Split", [qkv, const([h, h, h], "/split")], ["/q", "/k", "/v"], axis=2)
    q, k, v = split_heads(q), split_heads(k), split_heads(v)
    kt = node("Transpose", [k], perm=[0, 1, 3, 2])
    scores = node("MatMul", [q, kt], ["/attn/scores"])
    scale = node("Constant", [], value=numpy_helper.from_array(np.array(d ** 0.5, np.float32)))
    scores = node("Div", [scores, scale])
    # causal_mask = bias[:, :, key_length - query_length : key_length, :key_length]
    inits.append(external("h.0.attn.bias", 1, 1, positions, positions, data_type=TensorProto.BOOL))
    ql = node("Shape", [q], start=-2, end=-1)
    kl = node("Shape", [k], start=-2, end=-1)
    start = node("Sub", [kl, ql])
    rows = node("Slice", ["h.0.attn.bias", start, kl, const([2], "/mask_axes2")])
    causal = node("Slice", [rows, const([0], "/zero"), kl, const([3], "/mask_axes3")])
    minimum = node("Constant", [], value=numpy_helper.from_array(np.array(np.finfo(np.float32).min, np.float32)))
    scores = node("Where", [causal, scores, minimum])
    probs = node("Softmax", [scores], axis=-1)
    context = node("MatMul", [probs, v], ["/attn/context"])
    merged = node("Transpose", [context], perm=[0, 2, 1, 3])
    shape = node("Concat", [dim(merged, 0), dim(merged, 1), const([h], "/merged")], axis=0)
    merged = node("Reshape", [merged, shape])
    attn = conv1d(merged, "h.0.attn.c_proj", h, h)
    x = node("Add", [x, attn])
    m = layer_norm(x, "h.0.ln_2")
    f = conv1d(m, "h.0.mlp.c_fc", h, ffn)
    # NewGELUActivation: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    def scalar(v):
        return node("Constant", [], value=numpy_helper.from_array(np.array(v, np.float32)))
    cube = node("Pow", [f, scalar(3.0)])
    inner = node("Add", [f, node("Mul", [cube, scalar(0.044715)])])
    t = node("Tanh", [node("Mul", [inner, scalar((2 / np.pi) ** 0.5)])])
    g = node("Mul", [node("Mul", [f, scalar(0.5)]), node("Add", [t, scalar(1.0)])])
    p = conv1d(g, "h.0.mlp.c_proj", ffn, h)
    node("Add", [x, p], ["output"])
    graph = helper.make_graph(
        nodes, "gpt2-block", [helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT, ["batch", "sequence", h])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", "sequence", h])], inits)
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="spindle-fixtures")
    model.ir_version = 8
    onnx.save(model, "gpt2-block.onnx")  # the checker would look for the external weights
    return model


def conv_shapes():
    nodes, inits = [], []
    # 1-D: [N, 8, 100] -> conv k5 s2 p2 -> max pool k2 -> conv k3 dilation 2 (VALID) -> [N, 32, 21]
    inits.append(weights("a.w", 16, 8, 5))
    nodes.append(helper.make_node("Conv", ["x", "a.w"], ["a"], name="conv1d_a", strides=[2], pads=[2, 2]))
    nodes.append(helper.make_node("MaxPool", ["a"], ["ap"], name="pool1d", kernel_shape=[2], strides=[2]))
    inits.append(weights("b.w", 32, 16, 3))
    nodes.append(helper.make_node("Conv", ["ap", "b.w"], ["b"], name="conv1d_dilated", dilations=[2]))
    # to 2-D: [N, 32, 21] -> [N, 4, 8, 21]
    inits.append(numpy_helper.from_array(np.array([0, 4, 8, 21], np.int64), "to2d"))
    nodes.append(helper.make_node("Reshape", ["b", "to2d"], ["b2"], name="to2d"))
    inits.append(weights("c.w", 8, 4, 1, 7))
    nodes.append(helper.make_node("Conv", ["b2", "c.w"], ["c"], name="conv_1x7", pads=[0, 3, 0, 2], strides=[1, 2]))
    inits.append(weights("d.w", 8, 8, 7, 1))
    nodes.append(helper.make_node("Conv", ["c", "d.w"], ["d"], name="conv_7x1", pads=[3, 0, 3, 0], strides=[2, 1]))
    inits.append(weights("e.w", 16, 4, 3, 3))
    nodes.append(helper.make_node("Conv", ["d", "e.w"], ["y"], name="conv_same_grouped", group=2, strides=[2, 2], auto_pad="SAME_UPPER"))
    graph = helper.make_graph(
        nodes, "conv-shapes", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, 100])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 16, "H", "W"])], inits)
    save(graph, "conv-shapes.onnx")
    return onnx.load("conv-shapes.onnx")


def reference_shapes(models):
    """onnx's shape inference of every node output, with `sequence` = 16 and `batch` = `N` = 1."""
    out = {}
    for name, model in models.items():
        model = onnx.ModelProto.FromString(model.SerializeToString())
        for v in model.graph.input:
            for dd in v.type.tensor_type.shape.dim:
                if dd.dim_param:
                    dd.dim_value = {"sequence": 16}.get(dd.dim_param, 1)
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
        shapes = {}
        for v in inferred.graph.value_info:
            shape = v.type.tensor_type.shape
            if all(dd.HasField("dim_value") for dd in shape.dim):
                shapes[v.name] = [dd.dim_value for dd in shape.dim]
        out[name] = shapes
    with open("conv-shapes.json", "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


def refused():
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="video_conv", kernel_shape=[3, 3, 3])], "conv3d",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 6, 14, 14])], [weights("w", 8, 4, 3, 3, 3)])
    save(graph, "conv3d.onnx")
    graph = helper.make_graph(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="encoder_lstm", hidden_size=8)], "lstm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 1, 1, 8])], [weights("w", 1, 32, 4), weights("r", 1, 32, 8)])
    save(graph, "lstm.onnx")


tiny_cnn()
attention()
resnet50()
refused()
reference_shapes({"gpt2-block": gpt2_block(), "conv-shapes": conv_shapes()})
