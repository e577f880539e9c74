"""Writes pytorch-trim.0.et from Chakra's own test trace (run from this folder: python3 trim_trace.py TRACE).

TRACE is tests/data/chakra.0.et from mlcommons/chakra (inside tests/data/feeder_tests_trace.tar.gz, commit
21585d8; Apache-2.0, MLCommons): one rank of a PyTorch run converted to Chakra (3,664 nodes). The first 150
nodes whose dependencies are kept or absent from the whole trace (the converter drops some nodes, so
210 dependency ids name no node) are written with the same framing (GlobalMetadata, then Nodes, each
after its length as a varint), unchanged. pytorch-trim.json records what independent Python decoding
(the protobuf package with Chakra's et_def.proto) sees: node counts by type and the durations.
Needs: pip install protobuf; protoc --python_out=. et_def.proto (the schema beside Spindle's Chakra sources).
"""
import json
import sys

import et_def_pb2 as pb
from google.protobuf.internal.decoder import _DecodeVarint32
from google.protobuf.internal.encoder import _VarintBytes


def read(path):
    data, off, out = open(path, "rb").read(), 0, []
    while off < len(data):
        n, off = _DecodeVarint32(data, off)
        out.append(data[off:off + n])
        off += n
    return out


bodies = read(sys.argv[1])
meta, nodes = bodies[0], [pb.Node.FromString(b) for b in bodies[1:]]
present = {n.id for n in nodes}
kept, ids = [], set()
for n in nodes:
    if all(d in ids or d not in present for d in list(n.ctrl_deps) + list(n.data_deps)):
        kept.append(n)
        ids.add(n.id)
    if len(kept) == 150:
        break
with open("pytorch-trim.0.et", "wb") as f:
    f.write(_VarintBytes(len(meta)) + meta)
    for n in kept:
        b = n.SerializeToString()
        f.write(_VarintBytes(len(b)) + b)
counts = {}
busy = 0
for n in kept:
    t = pb.NodeType.Name(n.type)
    counts[t] = counts.get(t, 0) + 1
    attrs = {a.name: a for a in n.attr}
    cpu_call = n.type == pb.COMM_COLL_NODE and attrs["is_cpu_op"].bool_val and "comm_type" not in attrs
    if n.type == pb.COMP_NODE or cpu_call:
        busy += n.duration_micros
json.dump({"nodes": len(kept), "counts": counts, "busy_micros": busy,
           "collectives": sum(1 for n in kept if n.type == pb.COMM_COLL_NODE and any(a.name == "comm_type" for a in n.attr))},
          open("pytorch-trim.json", "w"), indent=1, sort_keys=True)
