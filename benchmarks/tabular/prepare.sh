#!/usr/bin/env bash
# Builds the tabular outlier-detection data sets of docs/results.md ("Tabular outlier detection") as CSV files
# that the platform's csv data source reads. Source: the classic data sets bundled with Debian's python3-sklearn
# package (UCI Breast Cancer Wisconsin (Diagnostic), Wine, Optical Recognition of Handwritten Digits), fetched
# with `apt-get download` when the package is not installed. Writes into benchmarks/tabular/target/data/ (ignored
# by git): <set>-<split>-train.csv (normal samples only) and <set>-<split>-test.csv (held-out normal samples plus
# the outliers, label 0 = normal, 1 = outlier) for splits 1..5.
#
#   benchmarks/tabular/prepare.sh [output folder]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/target/data}"
mkdir -p "$out"

src=/usr/lib/python3/dist-packages/sklearn/datasets/data
if [ ! -f "$src/breast_cancer.csv" ]; then
  work="$here/target/deb"
  mkdir -p "$work"
  if ! ls "$work"/python3-sklearn_*.deb >/dev/null 2>&1; then
    (cd "$work" && apt-get download python3-sklearn)
  fi
  rm -rf "$work/root"
  dpkg-deb -x "$(ls "$work"/python3-sklearn_*.deb | head -1)" "$work/root"
  src="$work/root/usr/lib/python3/dist-packages/sklearn/datasets/data"
fi
# Four more sets from R's mlbench package (Debian's r-cran-mlbench), exported to CSV by Rscript.
mlbench=""
if ! Rscript -e 'library(mlbench)' >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-cran-mlbench >/dev/null \
    || echo "prepare.sh: could not install r-cran-mlbench; only the scikit-learn sets are built" >&2
fi
if Rscript -e 'library(mlbench)' >/dev/null 2>&1; then
  mlbench="$here/target/mlbench"
  mkdir -p "$mlbench"
  Rscript "$here/export-mlbench.R" "$mlbench"
fi
python3 "$here/prepare.py" "$src" "$out" $mlbench
# The contaminated ODDS-style sets of the APRE / mean-shift paper setting (benchmarks/anomaly/paper.py).
python3 "$here/prepare_odds.py" "$src" "$out" $mlbench
