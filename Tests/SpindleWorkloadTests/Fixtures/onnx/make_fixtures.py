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
- rect-kernel.onnx and lstm.onnx: a 1x3 convolution and an LSTM, which the importer refuses by name.
"""
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


def external(name, *dims):
    """An initializer with its dimensions only: its data is in a file that is not shipped."""
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    entry = t.external_data.add()
    entry.key, entry.value = "location", "resnet50.weights"
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


def refused():
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv1d_like", kernel_shape=[1, 3])], "rect",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 1, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 1, 14])], [weights("w", 8, 4, 1, 3)])
    save(graph, "rect-kernel.onnx")
    graph = helper.make_graph(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="encoder_lstm", hidden_size=8)], "lstm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 1, 1, 8])], [weights("w", 1, 32, 4), weights("r", 1, 32, 8)])
    save(graph, "lstm.onnx")


tiny_cnn()
attention()
resnet50()
refused()
