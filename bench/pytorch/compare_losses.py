"""Compares two metrics.jsonl files step by step: max relative difference of each loss term at step 0 and over all
steps. Usage: compare_losses.py REFERENCE OURS [--label L]; prints one JSON line."""
import json, sys
ref = {r["step"]: r for r in map(json.loads, open(sys.argv[1]))}
ours = {r["step"]: r for r in map(json.loads, open(sys.argv[2])) if "total_loss" in r}
label = sys.argv[4] if len(sys.argv) > 4 else sys.argv[2]
keys = ["content_loss", "style_loss", "tv_loss", "total_loss"]
rel = lambda a, b: abs(a - b) / max(abs(a), 1e-30)
steps = sorted(set(ref) & set(ours))
step0 = {k: rel(ref[0][k], ours[0][k]) for k in keys} if 0 in steps else None
worst = {k: max(rel(ref[s][k], ours[s][k]) for s in steps) for k in keys}
print(json.dumps({"label": label, "steps": len(steps), "step0_rel": step0,
                  "step0_pass_1e-3": step0 is not None and max(step0.values()) <= 1e-3, "all_steps_max_rel": worst,
                  "ref_last_total": ref[steps[-1]]["total_loss"], "ours_last_total": ours[steps[-1]]["total_loss"]}))
