#!/usr/bin/env python3
"""APRE and mean-shift scoring in their paper's setting (docs/results.md, section of the same name).

The paper (Tan, Yang, Chen, Rahardja, Rahardja, arXiv 2304.00709, "MSS-PAE") and its reference code train on
contaminated data: each ODDS set is split 50/25/25, the network trains on the first 75 % (outliers included, labels
unused), z-scored with that part's mean and spread, and the held-out 25 % is scored. Its network is sized from the
number of features d: d < 20 one layer d -> round(d/2) and back; 20 <= d < 100 d -> round(d/2) -> round(d/4) and
back (ReLU); 1,000 full-batch epochs of Adam at 0.001. APRE trains with the Gaussian negative log-likelihood
(alpha = beta = 1, "PRE") and scores with alpha = 0.5, beta = 2; MSS scores the error between the reconstruction of
x and x shifted t times towards the mean of its k nearest training samples.

This script runs those configurations through the platform's pipelines (exported server, runtime/bin/hourglass):

  paper    the contaminated sets of benchmarks/tabular/prepare_odds.py (splits 1..5): train on the 75 % part of
           split s, evaluate on its 25 % part (the paper's reported figure) and, through the REST evaluate call, on
           the 75 % it trained on (transductive: the paper's validation part is scored in-sample).
  oneclass the one-class splits of benchmarks/tabular/prepare.py (normal samples only in training, 60/40; splits
           1..3), as in the earlier study of docs/results.md, with the same networks and training.

Per setting, set and seed two pipelines train: a dense AE with MSE, and the same with a variance head trained with
the loss apre (alpha = beta = 1). Then each pipeline is edited to one scoring method after the other (the platform
fits the scorer again on the stored model, no retraining): reconstruction error / apre (alpha 0.5, beta 2, and the
NLL weights 1, 1), then mean-shift (metric mse on the AE, apre on the variance-head AE) for every (k, t) of a grid.
The paper picks k per data set by the validation AUROC (labels); the table gives mean-shift at the platform's
default k = 5, t = 1 and, marked as label-selected, at the grid point with the best mean AUROC per set.

Writes target/paper-results.json next to this script (resumable: finished waves are kept) and prints Markdown tables.
Standard library only.

  mvn -B install -DskipTests && benchmarks/tabular/prepare.sh && benchmarks/anomaly/paper.py
"""
import argparse
import base64
import csv
import json
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from private_runtime import Server, await_records, scoring_of, write_cfg  # noqa: E402  (benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TABULAR = os.path.join(REPO, "benchmarks", "tabular", "target", "data")
# setting: {set name in the table: file prefix}
SETS = {
    "paper": {s: f"odds-{s}" for s in ["wbc", "wine", "optdigits", "pima", "vowel", "letter"]},
    "oneclass": {"wbc": "breast-cancer", "wine": "wine", "optdigits": "digits", "pima": "pima", "vowel": "vowel",
                 "letter": "letter"},
}
DEFAULT_MSS = (5, 1)


def network(d):
    """The reference code's sizes (Python's round, as there): (hidden widths, code width)."""
    if d < 20:
        return [], round(d / 2)
    if d < 100:
        return [round(d / 2)], round(d / 4)
    return [round(d / 2), round(d / 4)], round(d / 8) if d < 200 else round(d / 16)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return [[float(v) for v in r[:-1]] for r in rows[1:]], [int(r[-1]) for r in rows[1:]]


def family_name(hidden, var):
    return "pp-dense-" + ("x".join(map(str, hidden)) or "0") + ("-var" if var else "")


def mss_name(k, t, metric):
    return f"pp-mss-{metric}-k{k}-t{t}"


def instances(grid_k, grid_t):
    """Plug-in instances ({pid: values}); families as typed .config files (an empty list of hidden widths)."""
    out = {}
    for setting in SETS.values():
        for prefix in setting.values():
            x, _ = read_csv(os.path.join(TABULAR, f"{prefix}-1-train.csv"))
            hidden, _ = network(len(x[0]))
            for var in (False, True):
                name = family_name(hidden, var)
                out[f"org.hourglass.family.dense-{name}"] = {
                    "hourglass.name": name, "hidden.sizes": hidden, "activation": "relu", "variance.head": var}
    out["org.hourglass.scoring.apre-pp-apre-nll"] = {"hourglass.name": "pp-apre-nll", "alpha": 1.0, "beta": 1.0}
    for k in grid_k:
        for t in grid_t:
            for metric in ("mse", "apre"):
                name = mss_name(k, t, metric)
                out[f"org.hourglass.scoring.meanshift-{name}"] = {
                    "hourglass.name": name, "k": k, "t": t, "metric": metric, "alpha": 0.5, "beta": 2.0,
                    "reference.max": 100000}
    return out


def write_config(path, values):
    """A typed Felix .config file (FileInstall reads both): lists as I[...], booleans B"...", doubles D"..."."""
    def typed(v):
        if isinstance(v, bool):
            return f'B"{str(v).lower()}"'
        if isinstance(v, list):
            return "I[" + ",".join(f'"{i}"' for i in v) + "]"
        if isinstance(v, int):
            return f'I"{v}"'
        if isinstance(v, float):
            return f'D"{v}"'
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
    with open(path + ".tmp", "w") as f:
        for k, v in values.items():
            f.write(f"{k}={typed(v)}\n")
    os.replace(path + ".tmp", path)


def pipelines(setting, seed, epochs, sets):
    """{pipeline name: (data source configurations, pipeline configuration, meta)} of one wave."""
    out = {}
    for label, prefix in SETS[setting].items():
        if sets and label not in sets:
            continue
        train = os.path.join(TABULAR, f"{prefix}-{seed}-train.csv")
        x, _ = read_csv(train)
        hidden, latent = network(len(x[0]))
        data = {}
        for part in ("train", "test"):
            data[f"org.hourglass.data.csv-pp-{setting}-{label}-{seed}-{part}"] = {
                "hourglass.name": f"pp-{setting}-{label}-{seed}-{part}",
                "path": os.path.join(TABULAR, f"{prefix}-{seed}-{part}.csv"), "label.column": "label"}
        for model, var, loss, scoring in (("ae", False, "mse", "reconstruction-error"), ("apre", True, "apre", "apre")):
            out[f"pp-{setting}-{label}-{seed}-{model}"] = (data, {
                "family": family_name(hidden, var), "loss": loss, "scoring": scoring,
                "training.data": f"pp-{setting}-{label}-{seed}-train",
                "evaluation.data": f"pp-{setting}-{label}-{seed}-test", "latent.size": latent, "epochs": epochs,
                "batch.size": len(x), "learning.rate": 0.001, "optimizer": "adam", "normalization": "zscore",
                "validation.fraction": 0, "early.stopping.patience": 0, "seed": seed},
                {"set": label, "model": model, "train_file": train, "hidden": hidden, "latent": latent})
    return out


def figures(record):
    m = record.get("metrics", {})
    keys = ["eval_auroc", "eval_average_precision", "baseline_knn_auroc", "baseline_iforest_auroc",
            "train_seconds", "epochs"]
    return {k: m.get(k) for k in keys if m.get(k) is not None}


def evaluate_on(server, name, path):
    """POST /evaluate with the labelled rows of a file: the transductive figures (the file the model trained on)."""
    x, y = read_csv(path)
    try:
        body = post(server, name, "evaluate", {"instances": x, "labels": y})
    except Exception as e:  # noqa: BLE001  (recorded, the table shows a dash)
        return {"error": str(e)}
    out = {"auroc": body.get("auroc"), "average_precision": body.get("averagePrecision")}
    for b in body.get("baselines") or []:
        out[b["name"] + "_auroc"] = b.get("auroc")
    return out


def post(server, name, path, body):
    with open(os.path.join(server.home, "data", "console-password")) as f:
        password = f.read().strip()
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/hourglass/api/pipelines/{name}/{path}", data=json.dumps(body).encode(),
        method="POST", headers={"Content-Type": "application/json", "Authorization": "Basic " + base64.b64encode(
            f"admin:{password}".encode()).decode()})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


def auc(scores, labels):
    """AUROC by the rank statistic, ties counted half."""
    pairs = sorted(zip(scores, labels))
    ranks, i = [0.0] * len(pairs), 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for m in range(i, j + 1):
            ranks[m] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(1 for _, y in pairs if y == 1)
    neg = len(pairs) - pos
    return (sum(r for r, (_, y) in zip(ranks, pairs) if y == 1) - pos * (pos + 1) / 2) / (pos * neg)


def mss_check(server, name, meta, record, test_file, k=5):
    """Mean-shift scores recomputed outside the platform (NumPy) from the model's reconstructions, for t = 1..3:
    'platform' shifts every scored sample against the final shifted training set (what the plug-in does; its AUROC
    must match the plug-in's), 'authors' against the training set shifted i-1 times at pass i (the reference code:
    the raw training set at t = 1), and 'authors_transductive' scores each training sample by its own jointly
    shifted point (the reference code's validation part)."""
    import numpy as np  # only for this check
    norm = record["normalizer"]
    off, scale = np.array(norm["offset"]), np.array(norm["scale"])
    xtr, ytr = read_csv(meta["train_file"])
    xte, yte = read_csv(test_file)
    out_of = lambda rows, o: np.array(post(server, name, f"outputs/{o}", {"instances": rows})["values"])
    a_tr, a_te = (np.array(xtr) - off) * scale, (np.array(xte) - off) * scale
    r_tr, r_te = out_of(xtr, "reconstruction"), out_of(xte, "reconstruction")
    var = meta["model"] == "apre"
    lv_tr, lv_te = (out_of(xtr, "log_variance"), out_of(xte, "log_variance")) if var else (None, None)

    def nearest(q, ref, n):
        d = (q * q).sum(1)[:, None] + (ref * ref).sum(1)[None, :] - 2 * q @ ref.T
        return np.argsort(d, axis=1, kind="stable")[:, :n]

    def error(r, target, lv):
        if lv is None:
            return ((r - target) ** 2).mean(1)
        return 0.5 * ((r - target) ** 2 * np.exp(-lv)).mean(1) + 2.0 * lv.mean(1)

    sets = [a_tr]  # the training set shifted 0, 1, 2, 3 times
    for _ in range(3):
        cur = sets[-1]
        sets.append(cur[nearest(cur, cur, k)].mean(1))
    out = {}
    for t in (1, 2, 3):
        plat, auth = a_te.copy(), a_te.copy()
        for i in range(t):
            plat = (plat + sets[t][nearest(plat, sets[t], k - 1)].sum(1)) / k
            auth = (auth + sets[i][nearest(auth, sets[i], k - 1)].sum(1)) / k
        out[f"t{t}"] = {"platform": auc(list(error(r_te, plat, lv_te)), yte),
                        "authors": auc(list(error(r_te, auth, lv_te)), yte),
                        "authors_transductive": auc(list(error(r_tr, sets[t], lv_tr)), ytr)}
    return out


def run_wave(server, setting, seed, epochs, grid, sets, timeout, check=False):
    wave = pipelines(setting, seed, epochs, sets)
    for data, _, _ in wave.values():
        for pid, values in data.items():
            write_cfg(os.path.join(server.deploy, pid + ".cfg"), values)

    def deploy(name, scoring):
        write_cfg(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"),
                  dict({"hourglass.name": name}, **dict(wave[name][1], scoring=scoring)))

    for name, (_, config, _) in wave.items():
        deploy(name, config["scoring"])
    trained, seconds = await_records(server, wave, lambda r, n: "eval_auroc" in r.get("metrics", {}), timeout,
                                     "trained model")
    out = {"train_wave_seconds": round(seconds, 1), "pipelines": {}}
    for name, rec in trained.items():
        meta = wave[name][2]
        entry = dict(meta, scorings={})
        if "error" in rec:
            entry["error"] = rec["error"]
        else:
            first = wave[name][1]["scoring"]
            entry["family_plugin"] = (rec.get("plugins") or {}).get("family")
            entry["scorings"][first] = figures(rec)
            if setting == "paper":
                entry["scorings"][first]["transductive"] = evaluate_on(server, name, meta["train_file"])
        out["pipelines"][name] = entry
    ok = [n for n in wave if "error" not in out["pipelines"][n]]
    # (AE scoring, variance-head AE scoring) per round; the first round's are the pipelines' own.
    rounds = [(None, "pp-apre-nll")] + [(mss_name(k, t, "mse"), mss_name(k, t, "apre")) for k, t in grid]
    started = time.time()
    for ae_scoring, var_scoring in rounds:
        wanted = {}
        for name in ok:
            s = ae_scoring if wave[name][2]["model"] == "ae" else var_scoring
            if s is not None:
                wanted[name] = s
                deploy(name, s)
        fitted, _ = await_records(server, wanted, lambda r, n: scoring_of(r) == wanted[n]
                                  and "eval_auroc" in r.get("metrics", {}), timeout, "refit")
        for name, rec in fitted.items():
            s = wanted[name]
            if "error" in rec:
                out["pipelines"][name]["scorings"][s] = {"error": rec["error"]}
                continue
            out["pipelines"][name]["scorings"][s] = figures(rec)
            default = s in (mss_name(*DEFAULT_MSS, "mse"), mss_name(*DEFAULT_MSS, "apre"), "pp-apre-nll")
            if setting == "paper" and default:
                out["pipelines"][name]["scorings"][s]["transductive"] = evaluate_on(
                    server, name, wave[name][2]["train_file"])
    out["refit_seconds"] = round(time.time() - started, 1)
    if check:
        for name in ok:
            test_file = wave[name][2]["train_file"].replace("-train.csv", "-test.csv")
            try:
                out["pipelines"][name]["mss_check"] = mss_check(server, name, wave[name][2], server.record(name),
                                                                test_file)
            except Exception as e:  # noqa: BLE001  (recorded)
                out["pipelines"][name]["mss_check"] = {"error": str(e)}
    for name in wave:  # the wave goes away, so the next one trains alone
        os.remove(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"))
    return out


def cell(values):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 \
        else f"{values[0]:.3f}"


def collect(results, setting):
    """{set: {model: [entry per seed]}} of one setting."""
    rows = {}
    for key, wave in results["waves"].items():
        if not key.startswith(setting + "-"):
            continue
        for entry in wave["pipelines"].values():
            rows.setdefault(entry["set"], {}).setdefault(entry["model"], []).append(entry)
    return rows


def auroc(entries, scoring, transductive=False):
    out = []
    for e in entries:
        f = e.get("scorings", {}).get(scoring) or {}
        if transductive:
            f = f.get("transductive") or {}
            out.append(f.get("auroc"))
        else:
            out.append(f.get("eval_auroc"))
    return out


def best_grid(entries, metric, grid):
    """The grid point with the best mean AUROC over the seeds (selected on the labels, as the paper selects k)."""
    best = None
    for k, t in grid:
        v = [a for a in auroc(entries, mss_name(k, t, metric)) if a is not None]
        if v and (best is None or statistics.mean(v) > best[0]):
            best = (statistics.mean(v), (k, t), v)
    return best


def tables(results, grid):
    text = []
    order = list(SETS["paper"])
    for setting in ("paper", "oneclass"):
        rows = collect(results, setting)
        if not rows:
            continue
        heads = ["AE (MSE)", "AE + MSS (k=5, t=1)", "AE + MSS best (k, t)*", "APRE (α 0.5, β 2)",
                 "APRE (α=β=1)", "APRE + MSS (k=5, t=1)", "APRE + MSS best (k, t)*", "5-NN", "Isolation Forest"]
        lines = [f"**{setting}** (test part)", "", "| set | " + " | ".join(heads) + " |",
                 "|---" * (len(heads) + 1) + "|"]
        means = [[] for _ in heads]
        for s in [s for s in order if s in rows]:
            ae, var = rows[s].get("ae", []), rows[s].get("apre", [])
            b_ae, b_var = best_grid(ae, "mse", grid), best_grid(var, "apre", grid)
            cols = [auroc(ae, "reconstruction-error"), auroc(ae, mss_name(*DEFAULT_MSS, "mse")),
                    b_ae[2] if b_ae else [], auroc(var, "apre"), auroc(var, "pp-apre-nll"),
                    auroc(var, mss_name(*DEFAULT_MSS, "apre")), b_var[2] if b_var else [],
                    [(e["scorings"].get("reconstruction-error") or {}).get("baseline_knn_auroc") for e in ae],
                    [(e["scorings"].get("reconstruction-error") or {}).get("baseline_iforest_auroc") for e in ae]]
            cells = []
            for i, c in enumerate(cols):
                c = [v for v in c if v is not None]
                if c:
                    means[i].append(statistics.mean(c))
                txt = cell(c)
                if i == 2 and b_ae:
                    txt += f" ({b_ae[1][0]}, {b_ae[1][1]})"
                if i == 6 and b_var:
                    txt += f" ({b_var[1][0]}, {b_var[1][1]})"
                cells.append(txt)
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines.append("| **mean** | " + " | ".join(f"**{statistics.mean(m):.3f}**" if m else "—" for m in means)
                     + " |")
        text.append("\n".join(lines))
        if setting == "paper":
            heads = ["AE (MSE)", "AE + MSS (k=5, t=1)", "APRE (α 0.5, β 2)", "APRE (α=β=1)",
                     "APRE + MSS (k=5, t=1)", "5-NN", "Isolation Forest"]
            lines = ["**paper, transductive** (the 75 % the models trained on, scored in-sample)", "",
                     "| set | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
            means = [[] for _ in heads]
            for s in [s for s in order if s in rows]:
                ae, var = rows[s].get("ae", []), rows[s].get("apre", [])
                tr = lambda es, sc, key="auroc": [((e["scorings"].get(sc) or {}).get("transductive") or {}).get(key)
                                                  for e in es]
                cols = [tr(ae, "reconstruction-error"), tr(ae, mss_name(*DEFAULT_MSS, "mse")), tr(var, "apre"),
                        tr(var, "pp-apre-nll"), tr(var, mss_name(*DEFAULT_MSS, "apre")),
                        tr(ae, "reconstruction-error", "knn_auroc"), tr(ae, "reconstruction-error", "iforest_auroc")]
                cells = []
                for i, c in enumerate(cols):
                    c = [v for v in c if v is not None]
                    if c:
                        means[i].append(statistics.mean(c))
                    cells.append(cell(c))
                lines.append(f"| {s} | " + " | ".join(cells) + " |")
            lines.append("| **mean** | " + " | ".join(f"**{statistics.mean(m):.3f}**" if m else "—"
                                                      for m in means) + " |")
            text.append("\n".join(lines))
    checks = check_table(results)
    if checks:
        text.append(checks)
    text.append("\\* grid point (k, t) with the best mean AUROC over the seeds, chosen on the evaluation labels "
                f"from k in {{{', '.join(str(k) for k in sorted({k for k, _ in grid}))}}}, "
                f"t in {{{', '.join(str(t) for t in sorted({t for _, t in grid}))}}} (the paper picks k on "
                "labelled validation data).")
    return "\n\n".join(text)


def check_table(results):
    """Mean-shift (k 5) with the plug-in's schedule against the reference code's, from --check-mss runs."""
    rows = {}
    for key, wave in results["waves"].items():
        for entry in wave["pipelines"].values():
            c = entry.get("mss_check")
            if c and "error" not in c:
                rows.setdefault(entry["set"], {}).setdefault(entry["model"], []).append(c)
    if not rows:
        return ""
    heads = [f"{m} t={t}" for m in ("AE + MSS", "APRE + MSS") for t in (1, 2, 3)]
    out = []
    for what, keys in (("test part: plug-in schedule / reference code's schedule", ("platform", "authors")),
                       ("transductive, reference code's joint shift of the training part", ("authors_transductive",))):
        lines = [f"**mean-shift, k = 5, {what}**", "", "| set | " + " | ".join(heads) + " |",
                 "|---" * (len(heads) + 1) + "|"]
        means = [[[] for _ in keys] for _ in heads]
        for s in [s for s in SETS["paper"] if s in rows]:
            cells = []
            for i, (model, t) in enumerate((m, t) for m in ("ae", "apre") for t in (1, 2, 3)):
                parts = []
                for j, key in enumerate(keys):
                    v = [c[f"t{t}"][key] for c in rows[s].get(model, [])]
                    if v:
                        means[i][j].append(statistics.mean(v))
                    parts.append(f"{statistics.mean(v):.3f}" if v else "—")
                cells.append(" / ".join(parts))
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines.append("| **mean** | " + " | ".join(" / ".join(f"**{statistics.mean(m):.3f}**" if m else "—" for m in c)
                                                  for c in means) + " |")
        out.append("\n".join(lines))
    return "\n\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--settings", default="paper,oneclass")
    ap.add_argument("--seeds", default=None, help="comma-separated (default: paper 1..5, oneclass 1..3)")
    ap.add_argument("--sets", default="", help="comma-separated subset of " + ",".join(SETS["paper"]))
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--k", default="2,5,10,25,50", help="mean-shift k grid")
    ap.add_argument("--t", default="1,2,3", help="mean-shift t grid")
    ap.add_argument("--port", type=int, default=int(os.environ.get("HOURGLASS_HTTP_PORT", "18127")))
    ap.add_argument("--wave-timeout", type=int, default=3600)
    ap.add_argument("--out", default=os.path.join(HERE, "target", "paper-results.json"))
    ap.add_argument("--tables", action="store_true", help="only print the tables of the stored results")
    ap.add_argument("--check-mss", action="store_true",
                    help="also recompute mean-shift (k 5, t 1..3) with NumPy from the models' reconstructions, with "
                         "the plug-in's schedule and the reference code's (see mss_check)")
    args = ap.parse_args()
    grid = [(k, t) for k in map(int, args.k.split(",")) for t in map(int, args.t.split(","))]
    if DEFAULT_MSS not in grid:
        grid.insert(0, DEFAULT_MSS)
    sets = [s for s in args.sets.split(",") if s]
    if not os.path.exists(os.path.join(TABULAR, "odds-letter-3-train.csv")):
        sys.exit("tabular data missing: run benchmarks/tabular/prepare.sh first")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    results = {"cores": os.cpu_count(), "epochs": args.epochs, "grid": grid, "waves": {}}
    if os.path.exists(args.out):
        with open(args.out) as f:
            results = json.load(f)
    server = None
    try:
        for setting in args.settings.split(","):
            seeds = args.seeds or ("1,2,3,4,5" if setting == "paper" else "1,2,3")
            for seed in map(int, seeds.split(",")):
                key = f"{setting}-{seed}"
                if args.tables or key in results["waves"]:
                    continue
                if server is None:
                    server = Server(args.port, [TABULAR])
                    for pid, values in instances(sorted({k for k, _ in grid}), sorted({t for _, t in grid})).items():
                        write_config(os.path.join(server.deploy, pid + ".config"), values)
                    server.start()
                started = time.time()
                results["waves"][key] = run_wave(server, setting, seed, args.epochs, grid, sets, args.wave_timeout,
                                               args.check_mss)
                results["waves"][key]["wall_seconds"] = round(time.time() - started, 1)
                print(f"{key}: {time.time() - started:.0f} s", flush=True)
                with open(args.out + ".tmp", "w") as f:
                    json.dump(results, f, indent=1)
                os.replace(args.out + ".tmp", args.out)
    finally:
        if server is not None:
            server.stop()
    if results["waves"]:
        print("\n" + tables(results, [tuple(g) for g in results.get("grid", grid)]) + "\n", flush=True)


if __name__ == "__main__":
    main()
