#!/usr/bin/env bash
# Masked-autoencoder study on Fashion-MNIST with the real platform: one pipeline per masking strategy and seed
# pre-trains the mae family on the first N training images (same family settings, budget and seeds for every
# strategy); then org.hourglass.benchmarks.MaeLinearProbe fetches frozen encoder features through the REST API,
# trains a logistic-regression probe with the graph engine and prints the test accuracy table (Markdown) that
# docs/results.md quotes, and writes docs/images/mae-reconstructions.png.
#
#   mvn -B install -DskipTests && benchmarks/mae/run.sh [train-images] [epochs] [seeds]
#   STRATEGIES="random block" benchmarks/mae/run.sh 2000 1 1     # a quick smoke run
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
train="${1:-10000}"
epochs="${2:-4}"
seeds="${3:-1 2}"
read -r -a strategies <<< "${STRATEGIES:-random block red green blue purple}"
png="${MAE_PNG:-$repo/docs/images/mae-reconstructions.png}"
home="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$server" ] && wait "$server" 2>/dev/null; rm -rf "$home"' EXIT
data="${HOURGLASS_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
port="${HOURGLASS_HTTP_PORT:-18124}"
password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
api="http://127.0.0.1:$port/hourglass/api"

mkdir -p "$home/deploy"
# Two pipelines train at a time, each on one ONNX Runtime thread: the two cores stay busy without oversubscription.
cat > "$home/deploy/org.hourglass.executor.cfg" <<CFG
intra.op.threads=1
inter.op.threads=1
CFG
cat > "$home/deploy/org.hourglass.data.idx-mae-train.cfg" <<CFG
hourglass.name=mae-train
images=$data/train-images-idx3-ubyte.gz
labels=$data/train-labels-idx1-ubyte.gz
limit=$train
CFG
# The study's encoder: the family defaults with two blocks instead of three, to fit the time budget.
cat > "$home/deploy/org.hourglass.family.mae-mae-study.cfg" <<CFG
hourglass.name=mae-study
patch.size=4
mask.ratio=0.75
depth=2
CFG
for color in red green blue purple; do
  cat > "$home/deploy/org.hourglass.masking.colornoise-$color.cfg" <<CFG
hourglass.name=$color
color=$color
patch.size=4
mask.ratio=0.75
CFG
done

HOURGLASS_HOME="$home" HOURGLASS_HTTP_PORT="$port" HOURGLASS_CONSOLE_PASSWORD="$password" \
  "$repo/runtime/bin/hourglass" > "$home/server.log" 2>&1 < /dev/null &
server=$!

pipeline() { # strategy seed
  cat > "$home/deploy/org.hourglass.pipeline-$1-s$2.cfg" <<CFG
hourglass.name=$1-s$2
family=mae-study
masking=$1
loss=mse
scoring=reconstruction-error
training.data=mae-train
latent.size=64
epochs=$epochs
batch.size=128
learning.rate=0.001
normalization=minmax
# the published figures were measured before image smoothing existed
smoothing=0
seed=$2
CFG
}
await() { # pipeline name
  until grep -q '"train_seconds"' "$home/data/models/$1/pipeline.json" 2>/dev/null; do
    if ! kill -0 "$server" 2>/dev/null; then echo "server died; log:" >&2; tail -30 "$home/server.log" >&2; exit 1; fi
    if grep -q "Pipeline '$1'.*FAILED\|Pipeline '$1' failed" "$home/server.log"; then
      echo "pipeline $1 failed; log:" >&2; grep "$1" "$home/server.log" | tail -5 >&2; exit 1
    fi
    sleep 2
  done
}

started=$(date +%s)
names=()
for seed in $seeds; do for s in "${strategies[@]}"; do names+=("$s-s$seed"); done; done
for ((i = 0; i < ${#names[@]}; i += 2)); do
  batch=("${names[@]:i:2}")
  for n in "${batch[@]}"; do pipeline "${n%-s*}" "${n##*-s}"; done
  for n in "${batch[@]}"; do await "$n"; echo "trained $n after $(( $(date +%s) - started )) s" >&2; done
done
pretrain=$(( $(date +%s) - started ))

cp="$home/classpath.txt"
(cd "$repo" && mvn -o -q -Pbenchmarks -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile="$cp" >&2)
java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$repo/benchmarks/target/classes:$(cat "$cp")" \
  org.hourglass.benchmarks.MaeLinearProbe "$api" "$password" "$data" "$train" "$png" "${names[@]}"
echo
echo "train images=$train, epochs=$epochs, seeds=$seeds; pre-training of ${#names[@]} pipelines took ${pretrain} s," \
  "probes $(( $(date +%s) - started - pretrain )) s, on $(nproc) cores"
