"""Converts scikit-learn's bundled classification data sets into one-class outlier-detection splits.

The usual conversion (as in the ODDS collection): one class, or a group of classes, is normal; a minority class is
the outlier class and is subsampled to a few percent of the result. Each split s (1..5) draws its own outlier subset
and its own 60/40 split of the normal samples with random.Random(s); training files hold normal samples only, test
files the held-out normal samples plus the chosen outliers. Standard library only.
"""
import csv
import gzip
import os
import random
import sys

SPLITS = 5
TRAIN_FRACTION = 0.6

# name: (file, normal classes, outlier class, number of outliers kept)
SETS = {
    # 357 benign normal, 212 malignant of which 10 kept (2.7 % of 367), as ODDS "wbc"/"wdbc"
    "breast-cancer": ("breast_cancer.csv", {1}, 0, 10),
    # classes 1 and 2 normal (71 + 48), class 0 subsampled to 10 (7.7 % of 129), as ODDS "wine"
    "wine": ("wine_data.csv", {1, 2}, 0, 10),
    # digits 1-9 normal (1,619), digit 0 subsampled to 50 (3.0 % of 1,669), as ODDS "optdigits" (0 = outlier)
    "digits": ("digits.csv.gz", set(range(1, 10)), 0, 50),
}

# From R's mlbench package (export-mlbench.R writes them; classes are names): name: (file, normal, outlier, kept)
MLBENCH = {
    # 500 without diabetes normal, 268 with it of which 50 kept (9.1 %), as ODDS "pima" (which keeps all 268)
    "pima": ("pima.csv", {"neg"}, "pos", 50),
    # ten vowels normal (900), the vowel of "hid" subsampled to 30 (3.2 %), as ODDS "vowels" (another corpus)
    "vowel": ("vowel.csv", {"hId", "hEd", "hAd", "hYd", "had", "hOd", "hod", "hUd", "hud", "hed"}, "hid", 30),
    # letters A, B, C normal (2,291), 60 of the other 23 letters' 17,709 samples (2.6 %), as ODDS "letter"
    "letter": ("letter.csv", {"A", "B", "C"}, "other", 60),
    # rock echoes normal (97), mine echoes subsampled to 10 (9.3 %)
    "sonar": ("sonar.csv", {"R"}, "M", 10),
}


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        rows = [r for r in csv.reader(f) if r]
    # breast_cancer.csv and wine_data.csv start with "n_samples,n_features,class names..."; digits has no header.
    if len(rows[0]) != len(rows[1]):
        rows = rows[1:]
    x = [[float(v) for v in r[:-1]] for r in rows]
    y = [int(float(r[-1])) for r in rows]
    return x, y


def read_named(path, normal, outlier):
    """Rows of a CSV with a header and the class name last; 'other' as outlier class takes every other class."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    x = [[float(v) for v in r[:-1]] for r in rows]
    y = [0 if r[-1] in normal else 1 if outlier == "other" or r[-1] == outlier else 2 for r in rows]
    return x, y


def write(path, rows, width):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"f{j}" for j in range(width)] + ["label"])
        for features, label in rows:
            w.writerow([repr(v) if v != int(v) else str(int(v)) for v in features] + [label])


def main(src, out, mlbench=None):
    sets = [(name, read(os.path.join(src, file)), normal, outlier, keep)
            for name, (file, normal, outlier, keep) in SETS.items()]
    if mlbench:
        for name, (file, normal, outlier, keep) in MLBENCH.items():
            sets.append((name, read_named(os.path.join(mlbench, file), normal, outlier), {0}, 1, keep))
    for name, (x, y), normal, outlier, keep in sets:
        width = len(x[0])
        normals = [r for r, c in zip(x, y) if c in normal]
        outliers = [r for r, c in zip(x, y) if c == outlier]
        for s in range(1, SPLITS + 1):
            rnd = random.Random(s)
            order = list(range(len(normals)))
            rnd.shuffle(order)
            n_train = round(len(normals) * TRAIN_FRACTION)
            chosen = sorted(rnd.sample(range(len(outliers)), keep))
            train = [(normals[i], 0) for i in sorted(order[:n_train])]
            test = [(normals[i], 0) for i in sorted(order[n_train:])] + [(outliers[i], 1) for i in chosen]
            write(os.path.join(out, f"{name}-{s}-train.csv"), train, width)
            write(os.path.join(out, f"{name}-{s}-test.csv"), test, width)
        print(f"{name}: {width} features, {len(normals)} normal, {keep} of {len(outliers)} outliers "
              f"({100.0 * keep / (len(normals) + keep):.1f} %); per split {n_train} training, "
              f"{len(normals) - n_train} + {keep} test samples")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
