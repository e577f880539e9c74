"""Copies the Timeloop tutorial exercises this folder tests against and extracts Timeloop's numbers.

Run from this folder: python3 make_reference.py EXERCISES, where EXERCISES is the
workspace/tutorial_exercises/01_accelergy_timeloop_2020_ispass/timeloop folder of
Accelergy-Project/timeloop-accelergy-exercises at commit 2d5510807128 (MIT, LICENSE.upstream here).
For each case it copies the architecture, problem and mapping unchanged, the ERT summary Timeloop used, and
writes reference.json: from Timeloop's timeloop-model.stats.txt, the cycles, the compute energy and, per
storage level and data space, the utilized instances, tile, scalar reads, fills and updates per instance
and the energy, and each level's leakage energy.
"""
import json
import os
import re
import shutil
import sys

CASES = {
    "00-conv1d-1level": ("00-model-conv1d-1level", "conv1d-1level.map.yaml", ""),
    "01-conv1d-2level-os": ("01-model-conv1d-2level", "conv1d-2level-os.map.yaml", "os"),
    "01-conv1d-2level-ws": ("01-model-conv1d-2level", "conv1d-2level-ws.map.yaml", "ws"),
    "02-conv1d+oc-2level": ("02-model-conv1d+oc-2level", "conv1d+oc-2level-os.map.yaml", "no-tiling"),
    "02-conv1d+oc-2level-tiled": ("02-model-conv1d+oc-2level", "conv1d+oc-2level-os-tiled.map.yaml", "tiling"),
    "03-conv1d+oc-3level": ("03-model-conv1d+oc-3level", "conv1d+oc-3level.map.yaml", "no-bypass"),
    "03-conv1d+oc-3level-bypass": ("03-model-conv1d+oc-3level", "conv1d+oc-3level-bypass.map.yaml", "bypass"),
    "04-conv1d+oc+ic-spatial-cp": ("04-model-conv1d+oc-3levelspatial", "conv1d+oc+ic-3levelspatial-cp-ws.map.yaml", "cp"),
    "04-conv1d+oc+ic-spatial-kp": ("04-model-conv1d+oc-3levelspatial", "conv1d+oc+ic-3levelspatial-kp-ws.map.yaml", "kp"),
}


def parse(path):
    text = open(path).read()
    out = {"levels": {}}
    blocks = re.split(r"\n=== (\S+) ===\n", text)
    for name, body in zip(blocks[1::2], blocks[2::2]):
        if "STATS" not in body:
            continue
        stats = body.split("STATS")[1]
        m = re.search(r"Computes \(total\)\s+: (\d+)", stats)
        if m:
            out["computes"] = int(m.group(1))
            out["compute_energy_pj"] = float(re.search(r"Energy \(total\)\s+: ([\d.]+) pJ", stats).group(1))
            out["cycles"] = int(re.search(r"Cycles\s+: (\d+)", stats).group(1))
            continue
        level = {"leak_pj": float(re.search(r"Leakage energy \(total\)\s+: ([\d.]+) pJ", body).group(1)), "data_spaces": {}}
        for ds, dbody in re.findall(r"^    (\w+):\n((?:        .*\n)+)", stats, re.M):
            def g(key):
                return float(re.search(re.escape(key) + r"\s+: ([\d.]+)", dbody).group(1))
            level["data_spaces"][ds] = {
                "utilized_instances": g("Utilized instances (max)"), "tile": g("Utilized capacity"),
                "reads": g("Scalar reads (per-instance)"), "fills": g("Scalar fills (per-instance)"),
                "updates": g("Scalar updates (per-instance)"), "energy_pj": g("Energy (total)")}
        out["levels"][name] = level
    return out


root = sys.argv[1]
for case, (folder, mapping, variant) in CASES.items():
    src = os.path.join(root, folder)
    os.makedirs(case, exist_ok=True)
    shutil.copy([os.path.join(src, "arch", f) for f in os.listdir(os.path.join(src, "arch"))][0], os.path.join(case, "arch.yaml"))
    shutil.copy([os.path.join(src, "prob", f) for f in os.listdir(os.path.join(src, "prob"))][0], os.path.join(case, "prob.yaml"))
    shutil.copy(os.path.join(src, "map", mapping), os.path.join(case, "map.yaml"))
    out = os.path.join(src, "ref-output", variant)
    shutil.copy(os.path.join(out, "timeloop-model.ERT_summary.yaml"), os.path.join(case, "ERT_summary.yaml"))
    json.dump(parse(os.path.join(out, "timeloop-model.stats.txt")), open(os.path.join(case, "reference.json"), "w"), indent=1, sort_keys=True)

# The example designs (no ERT, no reference numbers): python3 make_reference.py EXERCISES EXAMPLE_DESIGNS, where
# EXAMPLE_DESIGNS is workspace/example_designs/example_designs of the same commit.
if len(sys.argv) > 2:
    designs = sys.argv[2]
    os.makedirs("example_designs", exist_ok=True)
    for design in ["simple_weight_stationary", "simple_output_stationary", "eyeriss_like", "simba_like"]:
        shutil.copy(os.path.join(designs, design, "arch.yaml"), os.path.join("example_designs", design + ".yaml"))
    shutil.copy(os.path.join(designs, "_include", "default_problem.yaml"), os.path.join("example_designs", "default_problem.yaml"))
