"""Builds ODDS-style *contaminated* outlier-detection sets for the unsupervised setting of the APRE / mean-shift
paper (docs/results.md, "APRE and mean-shift scoring in their paper's setting"), from the same sources as
prepare.py (scikit-learn's bundled sets, R's mlbench CSVs written by export-mlbench.R).

Unlike prepare.py (one-class: training files hold normal samples only), every set here is one fixed mixture of
normal samples and outliers at the ODDS collection's outlier rate (the outlier subset is drawn once, with
random.Random(0), like ODDS's one published file), and each split s draws a stratified 75 % / 25 % partition of it
with random.Random(s) (the reference code of the paper trains on 75 % of the data, outliers included, and reports
the held-out 25 %). Files: odds-<set>-<s>-train.csv and odds-<set>-<s>-test.csv, both labelled (0 normal,
1 outlier); training never reads the labels. Standard library only.

  python3 prepare_odds.py <sklearn data folder> <output folder> [<mlbench folder>]
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import read, read_named, write  # noqa: E402

SPLITS = 5  # the paper setting of benchmarks/anomaly/paper.py uses all five
TRAIN_FRACTION = 0.75

# name: (source, file, normal classes, outlier class, outliers kept or None for all, the ODDS set it mirrors)
SETS = {
    # ODDS "wbc": 357 benign + 21 malignant (378, 5.6 %) of the UCI Breast Cancer Wisconsin (Diagnostic) data
    "wbc": ("sklearn", "breast_cancer.csv", {1}, 0, 21),
    # ODDS "wine": classes 2 and 3 (119) + 10 of class 1 (129, 7.7 %)
    "wine": ("sklearn", "wine_data.csv", {1, 2}, 0, 10),
    # ODDS "optdigits" keeps 150 zeros among 5,066 digits 1-9 (2.9 %); scikit-learn ships the 1,797-sample 8x8
    # version of the same UCI data: 1,619 digits 1-9 + 48 zeros (2.9 %)
    "optdigits": ("sklearn", "digits.csv.gz", set(range(1, 10)), 0, 48),
    # ODDS "pima": 500 without diabetes + all 268 with it (768, 34.9 %)
    "pima": ("mlbench", "pima.csv", {"neg"}, "pos", None),
    # ODDS "vowels" is the Japanese Vowels corpus (not available here, 3.4 % outliers); mlbench's Vowel (Deterding)
    # at that rate: 900 of ten vowels + 32 of "hid"
    "vowel": ("mlbench", "vowel.csv", {"hId", "hEd", "hAd", "hYd", "had", "hOd", "hod", "hUd", "hud", "hed"},
              "hid", 32),
    # ODDS "letter" (1,600, 6.25 %) has 32 features built from the UCI letters; mlbench has the 16 original ones:
    # letters A, B, C (2,291) + 153 of the other 23 letters (6.25 %)
    "letter": ("mlbench", "letter.csv", {"A", "B", "C"}, "other", 153),
}


def build(x, y, normal, outlier, keep):
    normals = [r for r, c in zip(x, y) if c in normal]
    outliers = [r for r, c in zip(x, y) if c == outlier]
    if keep is not None:
        outliers = [outliers[i] for i in sorted(random.Random(0).sample(range(len(outliers)), keep))]
    return normals, outliers


def split(rows, rnd):
    order = list(range(len(rows)))
    rnd.shuffle(order)
    n = round(len(rows) * TRAIN_FRACTION)
    return sorted(order[:n]), sorted(order[n:])


def main(src, out, mlbench=None):
    os.makedirs(out, exist_ok=True)
    for name, (source, file, normal, outlier, keep) in SETS.items():
        if source == "sklearn":
            (x, y), cls = read(os.path.join(src, file)), (normal, outlier)
        elif mlbench:
            (x, y), cls = read_named(os.path.join(mlbench, file), normal, outlier), ({0}, 1)
        else:
            print(f"{name}: skipped (no mlbench folder)")
            continue
        normals, outliers = build(x, y, cls[0], cls[1], keep)
        width = len(x[0])
        for s in range(1, SPLITS + 1):
            rnd = random.Random(s)
            n_tr, n_te = split(normals, rnd)
            o_tr, o_te = split(outliers, rnd)  # stratified: both parts keep the outlier rate
            train = [(normals[i], 0) for i in n_tr] + [(outliers[i], 1) for i in o_tr]
            test = [(normals[i], 0) for i in n_te] + [(outliers[i], 1) for i in o_te]
            write(os.path.join(out, f"odds-{name}-{s}-train.csv"), train, width)
            write(os.path.join(out, f"odds-{name}-{s}-test.csv"), test, width)
        total = len(normals) + len(outliers)
        print(f"odds-{name}: {width} features, {len(normals)} normal + {len(outliers)} outliers = {total} "
              f"({100.0 * len(outliers) / total:.1f} %); per split {len(n_tr) + len(o_tr)} training "
              f"({len(o_tr)} outliers), {len(n_te) + len(o_te)} test ({len(o_te)} outliers)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
