#!/usr/bin/env bash
# One-class protocol on Fashion-MNIST with the real platform: for each class c, a pipeline trains the dense
# autoencoder on all 6,000 training images of c and scores the 10,000 test images (c normal, the rest anomalous).
# It starts the exported server with ten pipeline configurations, waits for every pipeline.json, and prints the
# AUROC table (Markdown) that docs/results.md quotes.
#
#   mvn -B install -DskipTests && benchmarks/one-class/run.sh [epochs]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
epochs="${1:-30}"
home="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$home"' EXIT
data="${HOURGLASS_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
names=(T-shirt/top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot")

mkdir -p "$home/deploy"
for c in 0 1 2 3 4 5 6 7 8 9; do
  cat > "$home/deploy/org.hourglass.data.idx-oc-train-$c.cfg" <<CFG
hourglass.name=oc-train-$c
images=$data/train-images-idx3-ubyte.gz
labels=$data/train-labels-idx1-ubyte.gz
classes=$c
CFG
  cat > "$home/deploy/org.hourglass.data.idx-oc-test-$c.cfg" <<CFG
hourglass.name=oc-test-$c
images=$data/t10k-images-idx3-ubyte.gz
labels=$data/t10k-labels-idx1-ubyte.gz
normal.classes=$c
CFG
  cat > "$home/deploy/org.hourglass.pipeline-oc-$c.cfg" <<CFG
hourglass.name=oc-$c
family=dense
loss=mse
scoring=reconstruction-error
training.data=oc-train-$c
evaluation.data=oc-test-$c
latent.size=32
epochs=$epochs
batch.size=128
learning.rate=0.001
normalization=minmax
# the published figures were measured before image smoothing existed
smoothing=0
CFG
done

HOURGLASS_HOME="$home" HOURGLASS_HTTP_PORT="${HOURGLASS_HTTP_PORT:-18123}" \
  "$repo/runtime/bin/hourglass" > "$home/server.log" 2>&1 < /dev/null &
server=$!

started=$(date +%s)
for c in 0 1 2 3 4 5 6 7 8 9; do
  until grep -q '"eval_auroc"' "$home/data/models/oc-$c/pipeline.json" 2>/dev/null; do
    if ! kill -0 "$server" 2>/dev/null; then echo "server died; log:" >&2; tail -30 "$home/server.log" >&2; exit 1; fi
    sleep 2
  done
done
elapsed=$(( $(date +%s) - started ))

echo "| class | dense AE AUROC |"
echo "|---|---|"
sum=0
for c in 0 1 2 3 4 5 6 7 8 9; do
  auroc=$(grep -o '"eval_auroc" : [0-9.]*' "$home/data/models/oc-$c/pipeline.json" | grep -o '[0-9.]*$')
  sum=$(awk -v s="$sum" -v a="$auroc" 'BEGIN { print s + a }')
  printf '| %d %s | %.3f |\n' "$c" "${names[$c]}" "$auroc"
done
awk -v s="$sum" 'BEGIN { printf "| **mean** | **%.3f** |\n", s / 10 }'
echo
echo "epochs=$epochs, ten pipelines trained concurrently in ${elapsed} s on $(nproc) cores"
