#!/usr/bin/env bash
# Reconstruction images and codebook usage on Fashion-MNIST with the exported server (docs/results.md):
#  1. the conv family with the losses mse, ms-ssim and ms-ssim-mixed (alpha 0.84), one-class on class 0
#     (T-shirt/top, its 6,000 training images; AUROC on the 10,000 test images): AUROC table and
#     docs/images/conv-losses.png (the first test image of each class and its reconstruction by each model);
#  2. dense, qlae (AdamW, weight decay 0.1), vq (K = 64), vq with EMA codebook and dead-code restarts, and vq with
#     K = 512 without and with dead-code restarts, trained on all 60,000 training images: test reconstruction MSE, code usage on the test set, the last epoch's diagnostics
#     (perplexity, dead codes, values used per dimension) and docs/images/quantized.png.
# Everything trains concurrently in one server; the REST API answers reconstruct/encode for the images and figures
# (benchmarks/reconstructions/Reconstructions.java, run as a Java single-file program).
#
#   mvn -B install -DskipTests && benchmarks/reconstructions/run.sh [conv-epochs] [epochs]
#
# Defaults: 10 epochs for conv (as run-losses.sh), 5 for the models on all 60,000 images; latent size 32, batch 128, learning rate 0.001, min-max normalisation, seed 1.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
conv_epochs="${1:-10}"
epochs="${2:-5}"
home="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$home"' EXIT
data="${HOURGLASS_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
port="${HOURGLASS_HTTP_PORT:-18125}"
password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
losses=(mse ms-ssim ms-ssim-mixed)
families=(dense qlae vq vq-ema vq512 vq512-restart)

mkdir -p "$home/deploy"
cat > "$home/deploy/org.hourglass.loss.msssim-ms-ssim-mixed.cfg" <<CFG
hourglass.name=ms-ssim-mixed
alpha=0.84
CFG
cat > "$home/deploy/org.hourglass.family.vq-vq-ema.cfg" <<CFG
hourglass.name=vq-ema
ema=true
dead.code.steps=100
CFG
cat > "$home/deploy/org.hourglass.family.vq-vq512.cfg" <<CFG
hourglass.name=vq512
codebook.size=512
CFG
cat > "$home/deploy/org.hourglass.family.vq-vq512-restart.cfg" <<CFG
hourglass.name=vq512-restart
codebook.size=512
dead.code.steps=100
CFG
cat > "$home/deploy/org.hourglass.data.idx-oc-train-0.cfg" <<CFG
hourglass.name=oc-train-0
images=$data/train-images-idx3-ubyte.gz
labels=$data/train-labels-idx1-ubyte.gz
classes=0
CFG
cat > "$home/deploy/org.hourglass.data.idx-oc-test-0.cfg" <<CFG
hourglass.name=oc-test-0
images=$data/t10k-images-idx3-ubyte.gz
labels=$data/t10k-labels-idx1-ubyte.gz
normal.classes=0
CFG
cat > "$home/deploy/org.hourglass.data.idx-all-train.cfg" <<CFG
hourglass.name=all-train
images=$data/train-images-idx3-ubyte.gz
labels=$data/train-labels-idx1-ubyte.gz
CFG
for l in "${losses[@]}"; do
  cat > "$home/deploy/org.hourglass.pipeline-conv-$l.cfg" <<CFG
hourglass.name=conv-$l
family=conv
loss=$l
scoring=reconstruction-error
training.data=oc-train-0
evaluation.data=oc-test-0
latent.size=32
epochs=$conv_epochs
batch.size=128
learning.rate=0.001
normalization=minmax
# the published figures were measured before image smoothing existed
smoothing=0
CFG
done
for f in "${families[@]}"; do
  optimizer=adam; decay=0
  if [ "$f" = qlae ]; then optimizer=adamw; decay=0.1; fi
  cat > "$home/deploy/org.hourglass.pipeline-all-$f.cfg" <<CFG
hourglass.name=all-$f
family=$f
loss=mse
scoring=reconstruction-error
training.data=all-train
latent.size=32
epochs=$epochs
batch.size=128
learning.rate=0.001
optimizer=$optimizer
weight.decay=$decay
normalization=minmax
# the published figures were measured before image smoothing existed
smoothing=0
CFG
done

HOURGLASS_HOME="$home" HOURGLASS_HTTP_PORT="$port" HOURGLASS_CONSOLE_PASSWORD="$password" \
  "$repo/runtime/bin/hourglass" > "$home/server.log" 2>&1 < /dev/null &
server=$!

started=$(date +%s)
wait_for() { # pipeline, key that pipeline.json has once trained
  until grep -q "\"$2\"" "$home/data/models/$1/pipeline.json" 2>/dev/null; do
    if ! kill -0 "$server" 2>/dev/null; then echo "server died; log:" >&2; tail -30 "$home/server.log" >&2; exit 1; fi
    if grep -q "Pipeline '$1'.*FAILED\|Pipeline '$1' failed" "$home/server.log"; then
      echo "pipeline $1 failed; log:" >&2; grep "'$1'" "$home/server.log" | tail -5 >&2; exit 1
    fi
    sleep 2
  done
}
for l in "${losses[@]}"; do wait_for "conv-$l" eval_auroc; done
for f in "${families[@]}"; do wait_for "all-$f" final_loss; done
elapsed=$(( $(date +%s) - started ))

echo "| class 0 T-shirt/top | AUROC |"
echo "|---|---|"
for l in "${losses[@]}"; do
  auroc=$(grep -o '"eval_auroc" : [0-9.]*' "$home/data/models/conv-$l/pipeline.json" | grep -o '[0-9.]*$')
  printf '| conv %s | %.3f |\n' "$l" "$auroc"
done
echo
api="http://127.0.0.1:$port/hourglass/api"
tool="$repo/benchmarks/reconstructions/Reconstructions.java"
java "$tool" "$api" "admin:$password" "$data" "$repo/docs/images/conv-losses.png" \
  "${losses[@]/#/conv-}"
echo
java "$tool" "$api" "admin:$password" "$data" "$repo/docs/images/quantized.png" --stats \
  all-dense all-qlae all-vq:4 all-vq-ema:4 all-vq512:4 all-vq512-restart:4
echo
for f in "${families[@]}"; do
  printf 'all-%s: validation loss %s, %s s\n' "$f" \
    "$(grep -o '"validation_loss" : [0-9.eE-]*' "$home/data/models/all-$f/pipeline.json" | grep -o '[0-9.eE-]*$')" \
    "$(grep -o '"train_seconds" : [0-9.]*' "$home/data/models/all-$f/pipeline.json" | grep -o '[0-9.]*$')"
done
echo "conv-epochs=$conv_epochs, epochs=$epochs: 9 pipelines trained concurrently in ${elapsed} s on $(nproc) cores"
