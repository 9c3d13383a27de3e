#!/usr/bin/env bash
# One-class protocol on Fashion-MNIST (as run.sh) for one family and several losses on a few classes: for each
# class c and loss l, a pipeline trains on all 6,000 training images of c and scores the 10,000 test images (c
# normal, the rest anomalous; the score is the per-sample loss). Starts the exported server with one pipeline per
# (class, loss), waits for every pipeline.json and prints a Markdown AUROC table (rows: classes, columns: losses).
#
#   mvn -B install -DskipTests && benchmarks/one-class/run-losses.sh [epochs] [family] [classes] [losses]
#
# Defaults: 10 epochs, family conv, classes "0 6 8", losses "mse ms-ssim ms-ssim-mixed" (ms-ssim-mixed is an
# ms-ssim instance with alpha=0.84 created here; l1, bce, huber and other instance names work too).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
epochs="${1:-10}"
family="${2:-conv}"
read -r -a classes <<< "${3:-0 6 8}"
read -r -a losses <<< "${4:-mse ms-ssim ms-ssim-mixed}"
home="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$home"' EXIT
data="${HOURGLASS_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
names=(T-shirt/top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot")

mkdir -p "$home/deploy"
cat > "$home/deploy/org.hourglass.loss.msssim-ms-ssim-mixed.cfg" <<CFG
hourglass.name=ms-ssim-mixed
alpha=0.84
CFG
for c in "${classes[@]}"; do
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
  for l in "${losses[@]}"; do
    cat > "$home/deploy/org.hourglass.pipeline-oc-$c-$l.cfg" <<CFG
hourglass.name=oc-$c-$l
family=$family
loss=$l
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
done

HOURGLASS_HOME="$home" HOURGLASS_HTTP_PORT="${HOURGLASS_HTTP_PORT:-18124}" \
  "$repo/runtime/bin/hourglass" > "$home/server.log" 2>&1 < /dev/null &
server=$!

started=$(date +%s)
for c in "${classes[@]}"; do
  for l in "${losses[@]}"; do
    until grep -q '"eval_auroc"' "$home/data/models/oc-$c-$l/pipeline.json" 2>/dev/null; do
      if ! kill -0 "$server" 2>/dev/null; then echo "server died; log:" >&2; tail -30 "$home/server.log" >&2; exit 1; fi
      if grep -q "Pipeline 'oc-$c-$l'.*FAILED\|Pipeline 'oc-$c-$l' failed" "$home/server.log"; then
        echo "pipeline oc-$c-$l failed; log:" >&2; grep "oc-$c-$l" "$home/server.log" | tail -5 >&2; exit 1
      fi
      sleep 2
    done
  done
done
elapsed=$(( $(date +%s) - started ))

printf '| class |'; for l in "${losses[@]}"; do printf ' %s %s |' "$family" "$l"; done; echo
printf '|---|'; for l in "${losses[@]}"; do printf -- '---|'; done; echo
for c in "${classes[@]}"; do
  printf '| %d %s |' "$c" "${names[$c]}"
  for l in "${losses[@]}"; do
    auroc=$(grep -o '"eval_auroc" : [0-9.]*' "$home/data/models/oc-$c-$l/pipeline.json" | grep -o '[0-9.]*$')
    printf ' %.3f |' "$auroc"
  done
  echo
done
echo
echo "family=$family, epochs=$epochs, ${#classes[@]} classes x ${#losses[@]} losses trained concurrently in ${elapsed} s on $(nproc) cores"
