#!/usr/bin/env python3
"""Baselines next to the autoencoders of run.py, on the same splits: PCA reconstruction error and k-NN distance.

  fashion  per class c: PCA with 32 components fitted on the 6,000 training images of c (pixels / 255); 5-NN:
           distance to the 5th nearest of 2,000 training images of c (a seeded subset).
  tabular  per set and split: features z-scored with the training split's mean and deviation; PCA with as many
           components as the autoencoders' latent size; 5-NN distance to the 5th nearest training sample.
Writes target/baselines-<suite>.json. Needs NumPy (Debian: python3-numpy).

  benchmarks/variational/baselines.py fashion|tabular|all
"""
import csv
import gzip
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FASHION = os.environ.get("HOURGLASS_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
TABULAR = os.path.join(REPO, "benchmarks", "tabular", "target", "data")
TABULAR_SETS = {"breast-cancer": 8, "wine": 4, "digits": 16}
SPLITS = [1, 2, 3, 4, 5]


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def auroc(scores, labels):
    """Probability that an anomaly outscores a normal sample (ties count half)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pca_error(train, test, components):
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    basis = vt[:components]
    centred = test - mean
    recon = centred @ basis.T @ basis
    return ((centred - recon) ** 2).mean(axis=1)


def knn_distance(train, test, k, block=2048):
    out = np.empty(len(test))
    tt = (train ** 2).sum(axis=1)
    for b in range(0, len(test), block):
        q = test[b:b + block]
        d = (q ** 2).sum(axis=1)[:, None] + tt[None, :] - 2 * q @ train.T
        out[b:b + block] = np.sqrt(np.maximum(np.partition(d, k - 1, axis=1)[:, k - 1], 0))
    return out


def fashion():
    xtr = idx(f"{FASHION}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float64) / 255
    ytr = idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    xte = idx(f"{FASHION}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float64) / 255
    yte = idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    out = {"pca": {}, "knn": {}}
    for c in range(10):
        train = xtr[ytr == c]
        labels = (yte != c).astype(int)
        out["pca"][str(c)] = auroc(pca_error(train, xte, 32), labels)
        subset = train[np.random.default_rng(c).choice(len(train), 2000, replace=False)]
        out["knn"][str(c)] = auroc(knn_distance(subset, xte, 5), labels)
        print(f"class {c}: PCA {out['pca'][str(c)]:.4f}, 5-NN {out['knn'][str(c)]:.4f}", flush=True)
    return out


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    a = np.array([[float(v) for v in r] for r in rows])
    return a[:, :-1], a[:, -1].astype(int)


def tabular():
    out = {"pca": {}, "knn": {}}
    for name, comps in TABULAR_SETS.items():
        for s in SPLITS:
            train, _ = read_csv(os.path.join(TABULAR, f"{name}-{s}-train.csv"))
            test, labels = read_csv(os.path.join(TABULAR, f"{name}-{s}-test.csv"))
            mean, std = train.mean(axis=0), train.std(axis=0)
            std[std == 0] = 1
            train, test = (train - mean) / std, (test - mean) / std
            out["pca"][f"{name}-{s}"] = auroc(pca_error(train, test, comps), labels)
            out["knn"][f"{name}-{s}"] = auroc(knn_distance(train, test, 5), labels)
        print(name, "PCA", np.mean([out["pca"][f"{name}-{s}"] for s in SPLITS]).round(4),
              "5-NN", np.mean([out["knn"][f"{name}-{s}"] for s in SPLITS]).round(4), flush=True)
    return out


if __name__ == "__main__":
    suites = ["fashion", "tabular"] if sys.argv[1:] == ["all"] else sys.argv[1:]
    os.makedirs(os.path.join(HERE, "target"), exist_ok=True)
    for suite in suites:
        result = fashion() if suite == "fashion" else tabular()
        with open(os.path.join(HERE, "target", f"baselines-{suite}.json"), "w") as f:
            json.dump(result, f, indent=1)
