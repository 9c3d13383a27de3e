#!/usr/bin/env python3
"""Results of the issue "Variational families, ... mean-shift scoring and reconstruction probability".

Runs the exported server (runtime/bin/hourglass) with pipeline configurations in waves, one method per wave, and
collects each pipeline's evaluation AUROC from its pipeline.json:

  fashion  Fashion-MNIST one-class protocol: train on the 6,000 training images of class c, score the 10,000 test
           images (c normal, the nine other classes anomalous); c = 0..9.
  tabular  the CSV outlier-detection sets of benchmarks/tabular/prepare.sh (three sets, five splits each).

Methods (rows of docs/results.md): dense AE + MSE, dense AE + MSE + mean-shift, dense AE with a variance head +
APRE (loss and scoring), the same + mean-shift (metric apre), VAE + reconstruction probability, VAE + mean-shift.
A method whose plug-in is missing from the runtime (and not built under bundles/) is reported as missing.
Writes target/results-<suite>.json next to this script and prints Markdown tables (with the baselines of
baselines.py when its JSON is there). Standard library only.

  mvn -B install -DskipTests && benchmarks/tabular/prepare.sh && benchmarks/variational/run.py all
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from private_runtime import Server, built_bundle, runtime_bundles, write_cfg  # noqa: E402  (benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FASHION = os.environ.get("HOURGLASS_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
TABULAR = os.path.join(REPO, "benchmarks", "tabular", "target", "data")
NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# name: (features, latent size)
TABULAR_SETS = {"breast-cancer": (30, 8), "wine": (13, 4), "digits": (64, 16)}
SPLITS = [1, 2, 3, 4, 5]

# Plug-in instances the methods use (factory configurations dropped into deploy/).
INSTANCES = {
    "org.hourglass.family.dense-res-dense-var": {"hourglass.name": "res-dense-var", "variance.head": "true"},
    "org.hourglass.family.dense-res-tab-dense": {"hourglass.name": "res-tab-dense", "hidden.sizes": "64"},
    "org.hourglass.family.dense-res-tab-dense-var": {"hourglass.name": "res-tab-dense-var", "hidden.sizes": "64",
                                                     "variance.head": "true"},
    "org.hourglass.family.vae-res-vae": {"hourglass.name": "res-vae", "output.activation": "sigmoid"},
    "org.hourglass.family.vae-res-tab-vae": {"hourglass.name": "res-tab-vae", "hidden.sizes": "64"},
    "org.hourglass.scoring.meanshift-res-mss-apre": {"hourglass.name": "res-mss-apre", "metric": "apre"},
}

# method: (label, {suite: (family, loss, scoring)}, bundles it needs)
METHODS = [
    ("ae-mse", "dense AE + MSE",
     {"fashion": ("dense", "mse", "reconstruction-error"), "tabular": ("res-tab-dense", "mse", "reconstruction-error")},
     ["org.hourglass.scoring.reconstructionerror"]),
    ("ae-mse-mss", "dense AE + MSE + mean-shift",
     {"fashion": ("dense", "mse", "mean-shift"), "tabular": ("res-tab-dense", "mse", "mean-shift")},
     ["org.hourglass.scoring.meanshift"]),
    ("ae-var-apre", "dense AE, variance head + APRE",
     {"fashion": ("res-dense-var", "apre", "apre"), "tabular": ("res-tab-dense-var", "apre", "apre")},
     ["org.hourglass.loss.apre", "org.hourglass.scoring.apre"]),
    ("ae-var-mss", "dense AE, variance head + APRE + mean-shift (apre)",
     {"fashion": ("res-dense-var", "apre", "res-mss-apre"), "tabular": ("res-tab-dense-var", "apre", "res-mss-apre")},
     ["org.hourglass.loss.apre", "org.hourglass.scoring.meanshift"]),
    ("vae-rp", "VAE + reconstruction probability",
     {"fashion": ("res-vae", "mse", "reconstruction-probability"),
      "tabular": ("res-tab-vae", "mse", "reconstruction-probability")},
     ["org.hourglass.family.vae", "org.hourglass.scoring.reconstructionprobability"]),
    ("vae-mss", "VAE + mean-shift",
     {"fashion": ("res-vae", "mse", "mean-shift"), "tabular": ("res-tab-vae", "mse", "mean-shift")},
     ["org.hourglass.family.vae", "org.hourglass.scoring.meanshift"]),
]


def pipelines(suite, method, families, epochs):
    """Data-source and pipeline configurations of one wave: {pipeline name: (data configs, pipeline config)}."""
    family, loss, scoring = families[suite]
    out = {}
    if suite == "fashion":
        for c in range(10):
            data = {
                f"org.hourglass.data.idx-res-train-{c}": {
                    "hourglass.name": f"res-train-{c}", "images": f"{FASHION}/train-images-idx3-ubyte.gz",
                    "labels": f"{FASHION}/train-labels-idx1-ubyte.gz", "classes": c},
                f"org.hourglass.data.idx-res-test-{c}": {
                    "hourglass.name": f"res-test-{c}", "images": f"{FASHION}/t10k-images-idx3-ubyte.gz",
                    "labels": f"{FASHION}/t10k-labels-idx1-ubyte.gz", "normal.classes": c}}
            out[f"res-{method}-{c}"] = (data, {
                "family": family, "loss": loss, "scoring": scoring, "training.data": f"res-train-{c}",
                "evaluation.data": f"res-test-{c}", "latent.size": 32, "epochs": epochs, "batch.size": 128,
                "learning.rate": 0.001, "normalization": "minmax",
                # the published figures were measured before image smoothing existed
                "smoothing": 0})
    else:
        for name, (_, latent) in TABULAR_SETS.items():
            for s in SPLITS:
                data = {}
                for part in ("train", "test"):
                    data[f"org.hourglass.data.csv-res-{name}-{s}-{part}"] = {
                        "hourglass.name": f"res-{name}-{s}-{part}",
                        "path": os.path.join(TABULAR, f"{name}-{s}-{part}.csv"), "label.column": "label"}
                out[f"res-{method}-{name}-{s}"] = (data, {
                    "family": family, "loss": loss, "scoring": scoring, "training.data": f"res-{name}-{s}-train",
                    "evaluation.data": f"res-{name}-{s}-test", "latent.size": latent, "epochs": epochs,
                    "batch.size": 32, "learning.rate": 0.001, "normalization": "zscore"})
    return out


def run_wave(server, suite, method, families, epochs, timeout):
    wave = pipelines(suite, method, families, epochs)
    for data, _ in wave.values():
        for pid, values in data.items():
            path = os.path.join(server.deploy, pid + ".cfg")
            if not os.path.exists(path):
                write_cfg(path, values)
    for name, (_, config) in wave.items():
        write_cfg(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"),
                  dict({"hourglass.name": name}, **config))
    started = time.time()
    results = {}
    pending = set(wave)
    while pending and time.time() - started < timeout:
        if not server.alive():
            sys.exit("the server stopped; see its log")
        for name in sorted(pending):
            rec = server.record(name)
            if rec and "eval_auroc" in rec.get("metrics", {}):
                results[name] = {"auroc": rec["metrics"]["eval_auroc"],
                                 "train_seconds": rec["metrics"].get("train_seconds")}
                pending.discard(name)
                continue
            state, message = server.state(name)
            if state == "FAILED":
                results[name] = {"auroc": None, "error": message}
                pending.discard(name)
        time.sleep(2)
    for name in pending:
        state, message = server.state(name)
        results[name] = {"auroc": None, "error": f"no result after {timeout} s (state {state}: {message})"}
    # The wave's pipelines go away again, so the next wave trains alone.
    for name in wave:
        os.remove(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.cfg"))
    return results, time.time() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("suite", choices=["fashion", "tabular", "all"])
    ap.add_argument("--fashion-epochs", type=int, default=20)
    ap.add_argument("--tabular-epochs", type=int, default=100)
    ap.add_argument("--methods", default=",".join(m[0] for m in METHODS))
    ap.add_argument("--port", type=int, default=int(os.environ.get("HOURGLASS_HTTP_PORT", "18124")))
    ap.add_argument("--wave-timeout", type=int, default=900)
    args = ap.parse_args()
    suites = ["fashion", "tabular"] if args.suite == "all" else [args.suite]
    if "tabular" in suites and not os.path.exists(os.path.join(TABULAR, "wine-1-train.csv")):
        sys.exit("tabular data missing: run benchmarks/tabular/prepare.sh first")

    server = Server(args.port, [FASHION, TABULAR])
    try:
        present = runtime_bundles()
        missing = {}
        for method, _, _, bundles in METHODS:
            for bsn in bundles:
                if bsn in present:
                    continue
                jar = built_bundle(bsn)
                if jar:
                    # Built here but not yet in the exported runtime: hot-deploy it.
                    shutil.copy(jar, server.deploy)
                    present.add(bsn)
                else:
                    missing.setdefault(method, []).append(bsn)
        for pid, values in INSTANCES.items():
            write_cfg(os.path.join(server.deploy, pid + ".cfg"), values)
        server.start()
        wanted = args.methods.split(",")
        for suite in suites:
            out = os.path.join(HERE, "target", f"results-{suite}.json")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            table = {"suite": suite, "epochs": args.fashion_epochs if suite == "fashion" else args.tabular_epochs,
                     "cores": os.cpu_count(), "methods": {}}
            if os.path.exists(out):
                # Methods measured earlier with the same epochs stay in the table (run a subset with --methods).
                with open(out) as f:
                    earlier = json.load(f)
                if earlier.get("epochs") == table["epochs"]:
                    table["methods"] = {m: r for m, r in earlier["methods"].items() if m not in wanted}
            for method, label, families, _ in METHODS:
                if method not in wanted:
                    continue
                if method in missing:
                    table["methods"][method] = {"label": label, "missing": missing[method]}
                    print(f"{suite}/{method}: missing plug-ins {missing[method]}", flush=True)
                    continue
                epochs = table["epochs"]
                results, seconds = run_wave(server, suite, method, families, epochs, args.wave_timeout)
                table["methods"][method] = {"label": label, "seconds": round(seconds, 1), "pipelines": results}
                aurocs = [r["auroc"] for r in results.values() if r["auroc"] is not None]
                print(f"{suite}/{method}: {len(aurocs)}/{len(results)} pipelines, mean AUROC "
                      f"{sum(aurocs) / max(1, len(aurocs)):.4f}, {seconds:.0f} s", flush=True)
                for name, r in sorted(results.items()):
                    if r["auroc"] is None:
                        print(f"  {name}: {r['error']}", flush=True)
                with open(out, "w") as f:
                    json.dump(table, f, indent=1)
    finally:
        server.stop()
    subprocess.run([sys.executable, os.path.join(HERE, "tables.py")] + suites, check=False)


if __name__ == "__main__":
    main()
