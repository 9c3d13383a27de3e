#!/usr/bin/env python3
"""Anomaly detection against the baselines (docs/results.md, "Anomaly detection against the baselines").

Runs the exported server (runtime/bin/hourglass) and, per suite, one wave of zero-configuration pipelines: each is
given nothing but its training data, its evaluation data and a seed, so every other setting is the platform's
default (auto settings chosen from the data, the dense family, MSE). When a wave has trained, each pipeline is
edited to one scoring method after the other; the platform fits the scorer and the threshold again on the stored
model without retraining, so every scoring method is measured on the same weights. Each pipeline's record gives the
evaluation AUROC and average precision and, next to them, the reference detectors the platform fits on the same
training data (5-NN distance on the normalised inputs, Isolation Forest, PCA reconstruction error).

  fashion  Fashion-MNIST one-class: train on the 6,000 training images of class c, score the 10,000 test images
           (c normal, the nine other classes anomalous); c = 0..9, seeds 1..3.
  tabular  the CSV outlier-detection sets of benchmarks/tabular/prepare.sh (seven sets, five splits; the split
           number is the seed).

Writes target/results-<suite>.json next to this script (resumable: finished waves are kept) and prints Markdown
tables with mean and standard deviation. Standard library only.

  mvn -B install -DskipTests && benchmarks/tabular/prepare.sh && benchmarks/anomaly/run.py all
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from private_runtime import Server, await_records, scoring_of, write_cfg  # noqa: E402  (benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FASHION = os.environ.get("HOURGLASS_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
TABULAR = os.path.join(REPO, "benchmarks", "tabular", "target", "data")
TABULAR_SETS = ["breast-cancer", "wine", "digits", "pima", "vowel", "letter", "sonar"]
NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# Scoring instances beyond the default ones (factory configurations dropped into deploy/).
INSTANCES = {
    "org.hourglass.scoring.combined-res-combined-input": {
        "hourglass.name": "res-combined-input", "components": "reconstruction,latent,input",
        "input.reference.max": 2000},
}
# Scoring methods measured on each trained model, in order; the first must be the pipeline's default (the wave
# trains with it), the others are fitted afterwards on the same weights.
SCORINGS = ["combined", "reconstruction-error", "latent-knn", "res-combined-input"]


def pipelines(suite, seed, classes=range(10)):
    """{pipeline name: (data source configurations, pipeline configuration)} of one wave."""
    out = {}
    if suite == "fashion":
        for c in classes:
            data = {
                f"org.hourglass.data.idx-ad-train-{c}": {
                    "hourglass.name": f"ad-train-{c}", "images": f"{FASHION}/train-images-idx3-ubyte.gz",
                    "labels": f"{FASHION}/train-labels-idx1-ubyte.gz", "classes": c},
                f"org.hourglass.data.idx-ad-test-{c}": {
                    "hourglass.name": f"ad-test-{c}", "images": f"{FASHION}/t10k-images-idx3-ubyte.gz",
                    "labels": f"{FASHION}/t10k-labels-idx1-ubyte.gz", "normal.classes": c}}
            out[f"ad-{c}-s{seed}"] = (data, {"training.data": f"ad-train-{c}", "evaluation.data": f"ad-test-{c}",
                                             "seed": seed})
    else:
        for name in TABULAR_SETS:
            data = {}
            for part in ("train", "test"):
                data[f"org.hourglass.data.csv-ad-{name}-{seed}-{part}"] = {
                    "hourglass.name": f"ad-{name}-{seed}-{part}",
                    "path": os.path.join(TABULAR, f"{name}-{seed}-{part}.csv"), "label.column": "label"}
            out[f"ad-{name}-{seed}"] = (data, {"training.data": f"ad-{name}-{seed}-train",
                                               "evaluation.data": f"ad-{name}-{seed}-test", "seed": seed})
    return out


def figures(record):
    m = record.get("metrics", {})
    keys = ["eval_auroc", "eval_average_precision", "baseline_knn_auroc", "baseline_knn_average_precision",
            "baseline_iforest_auroc", "baseline_iforest_average_precision", "baseline_pca_auroc",
            "baseline_pca_average_precision", "train_seconds", "epochs"]
    return {k: m.get(k) for k in keys}


def run_wave(server, suite, seed, timeout, classes):
    wave = pipelines(suite, seed, classes)
    for data, _ in wave.values():
        for pid, values in data.items():
            write_cfg(os.path.join(server.deploy, pid + ".cfg"), values)
    for name, (_, config) in wave.items():
        write_cfg(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"),
                  dict({"hourglass.name": name}, **config))
    trained, seconds = await_records(server, wave, lambda r, n: "eval_auroc" in r.get("metrics", {}), timeout,
                                     "trained model")
    out = {"train_wave_seconds": round(seconds, 1), "pipelines": {}}
    for name, rec in trained.items():
        out["pipelines"][name] = {"error": rec["error"]} if "error" in rec else {
            "auto": (rec.get("config") or {}), SCORINGS[0]: figures(rec)}
    ok = [n for n in wave if "error" not in out["pipelines"][n]]
    for scoring in SCORINGS[1:]:
        for name in ok:
            write_cfg(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"),
                      dict({"hourglass.name": name, "scoring": scoring}, **wave[name][1]))
        fitted, seconds = await_records(server, ok, lambda r, n, s=scoring: scoring_of(r) == s
                                        and "eval_auroc" in r.get("metrics", {}), timeout, scoring)
        out[f"{scoring}_seconds"] = round(seconds, 1)
        for name, rec in fitted.items():
            out["pipelines"][name][scoring] = {"error": rec["error"]} if "error" in rec else figures(rec)
    for name in wave:  # the wave goes away, so the next one trains alone
        os.remove(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"))
    return out


def group(suite, name):
    """The row a pipeline counts in: its class (fashion) or data set (tabular)."""
    return int(name.split("-")[1]) if suite == "fashion" else name[len("ad-"):name.rindex("-")]


def table(suite, results):
    """Markdown: one row per class or set, mean ± std over the seeds; the mean of the rows last."""
    columns = [(s, "eval_auroc") for s in SCORINGS] + [(SCORINGS[0], "baseline_knn_auroc"),
                                                        (SCORINGS[0], "baseline_iforest_auroc"),
                                                        (SCORINGS[0], "baseline_pca_auroc")]
    heads = SCORINGS + ["5-NN (inputs)", "Isolation Forest", "PCA"]
    rows = {}
    for wave in results["waves"].values():
        for name, p in wave["pipelines"].items():
            row = rows.setdefault(group(suite, name), [[] for _ in columns])
            for i, (scoring, key) in enumerate(columns):
                v = (p.get(scoring) or {}).get(key)
                if v is not None:
                    row[i].append(v)
    lines = ["| " + ("class" if suite == "fashion" else "data set") + " | " + " | ".join(heads) + " |",
             "|---" * (len(heads) + 1) + "|"]
    means = [[] for _ in columns]
    for key in sorted(rows, key=lambda k: (str(type(k)), k)):
        cells = []
        for i, values in enumerate(rows[key]):
            if values:
                means[i].append(statistics.mean(values))
            cells.append(f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1
                         else f"{values[0]:.3f}" if values else "—")
        label = f"{key} {NAMES[key]}" if suite == "fashion" else key
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| **mean** | " + " | ".join(f"**{statistics.mean(m):.3f}**" if m else "—" for m in means) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("suite", choices=["fashion", "tabular", "all"])
    ap.add_argument("--seeds", default=None, help="comma-separated (default: fashion 1,2,3; tabular 1..5)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("HOURGLASS_HTTP_PORT", "18125")))
    ap.add_argument("--wave-timeout", type=int, default=3600)
    ap.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9", help="fashion: comma-separated classes")
    ap.add_argument("--tables", action="store_true", help="only print the tables of the stored results")
    args = ap.parse_args()
    suites = ["tabular", "fashion"] if args.suite == "all" else [args.suite]
    if "tabular" in suites and not os.path.exists(os.path.join(TABULAR, "sonar-1-train.csv")):
        sys.exit("tabular data missing: run benchmarks/tabular/prepare.sh first")
    server = None
    try:
        for suite in suites:
            out = os.path.join(HERE, "target", f"results-{suite}{os.environ.get('RESULTS_SUFFIX', '')}.json")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            results = {"suite": suite, "cores": os.cpu_count(), "scorings": SCORINGS, "waves": {}}
            if os.path.exists(out):
                with open(out) as f:
                    results = json.load(f)
            seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else (
                [1, 2, 3] if suite == "fashion" else [1, 2, 3, 4, 5])
            for seed in seeds:
                if args.tables or str(seed) in results["waves"]:
                    continue
                if server is None:
                    server = Server(args.port, [FASHION, TABULAR])
                    for pid, values in INSTANCES.items():
                        write_cfg(os.path.join(server.deploy, pid + ".cfg"), values)
                    server.start()
                started = time.time()
                results["waves"][str(seed)] = run_wave(server, suite, seed, args.wave_timeout,
                                                       [int(c) for c in args.classes.split(",")])
                print(f"{suite} seed {seed}: {time.time() - started:.0f} s", flush=True)
                with open(out + ".tmp", "w") as f:
                    json.dump(results, f, indent=1)
                os.replace(out + ".tmp", out)
            if results["waves"]:
                print(f"\n{suite}\n\n" + table(suite, results) + "\n", flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
