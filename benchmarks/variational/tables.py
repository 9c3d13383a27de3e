#!/usr/bin/env python3
"""Prints the Markdown tables of docs/results.md from target/results-<suite>.json (run.py) and
target/baselines-<suite>.json (baselines.py).

  benchmarks/variational/tables.py fashion tabular
"""
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SETS = ["breast-cancer", "wine", "digits"]
SPLITS = [1, 2, 3, 4, 5]
SHORT = {"ae-mse": "AE mse", "ae-mse-mss": "AE mse + MSS", "ae-var-apre": "AE var apre",
         "ae-var-mss": "AE var + MSS apre", "vae-rp": "VAE rec. prob.", "vae-mss": "VAE + MSS"}


def load(name):
    path = os.path.join(HERE, "target", name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def fmt(v):
    return "—" if v is None else f"{v:.3f}"


def columns(results, baselines):
    cols = []
    order = list(SHORT)
    for method, m in sorted((results or {}).get("methods", {}).items(),
                            key=lambda e: order.index(e[0]) if e[0] in order else len(order)):
        cols.append((SHORT.get(method, method), method, m))
    if baselines:
        cols.append(("PCA", "pca", baselines["pca"]))
        cols.append(("5-NN", "knn", baselines["knn"]))
    return cols


def value(method, m, key, pipeline):
    if method in ("pca", "knn"):
        return m.get(key)
    if "missing" in m:
        return None
    r = m["pipelines"].get(pipeline)
    return None if r is None else r["auroc"]


def fashion():
    results, baselines = load("results-fashion.json"), load("baselines-fashion.json")
    cols = columns(results, baselines)
    print("| class | " + " | ".join(c[0] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    per = {c[1]: [] for c in cols}
    for c in range(10):
        cells = []
        for _, method, m in cols:
            v = value(method, m, str(c), f"res-{method}-{c}")
            per[method].append(v)
            cells.append(fmt(v))
        print(f"| {c} {NAMES[c]} | " + " | ".join(cells) + " |")
    means = []
    for _, method, _ in cols:
        vals = per[method]
        means.append("—" if any(v is None for v in vals) else f"**{statistics.mean(vals):.3f}**")
    print("| **mean** | " + " | ".join(means) + " |")
    missing(results)


def tabular():
    results, baselines = load("results-tabular.json"), load("baselines-tabular.json")
    cols = columns(results, baselines)
    print("| data set | " + " | ".join(c[0] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name in SETS:
        cells = []
        for _, method, m in cols:
            vals = [value(method, m, f"{name}-{s}", f"res-{method}-{name}-{s}") for s in SPLITS]
            cells.append("—" if any(v is None for v in vals)
                         else f"{statistics.mean(vals):.3f} ± {statistics.stdev(vals):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    missing(results)


def missing(results):
    for method, m in (results or {}).get("methods", {}).items():
        if "missing" in m:
            print(f"\n{SHORT.get(method, method)}: not run, plug-ins missing: {', '.join(m['missing'])}")
    if results:
        times = ", ".join(f"{SHORT.get(k, k)} {m['seconds']:.0f} s" for k, m in results["methods"].items()
                          if "seconds" in m)
        print(f"\n{results['epochs']} epochs; wall time per method (all pipelines of a wave concurrently, "
              f"{results['cores']} cores): {times}")


if __name__ == "__main__":
    for suite in sys.argv[1:] or ["fashion", "tabular"]:
        print(f"\n### {suite}\n")
        fashion() if suite == "fashion" else tabular()
