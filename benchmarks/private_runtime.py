"""The exported runtime as the result scripts use it: which bundles it ships, plug-ins built in this checkout
but not (yet) in it, and a private copy of it to start without the demo pipeline. Standard library only."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
JAR = os.path.join(REPO, "runtime", "target", "hourglass.jar")


def runtime_bundles():
    """Symbolic names of the bundles in runtime/target/hourglass.jar."""
    with zipfile.ZipFile(JAR) as z:
        return {os.path.basename(n).split("-0.")[0] for n in z.namelist() if n.startswith("jar/")}


def built_bundle(bsn):
    """The jar of a plug-in built in this checkout but not (yet) part of the exported runtime."""
    jars = [j for j in glob.glob(os.path.join(REPO, "bundles", "*", "*", "target", bsn + "-*.jar"))
            if not j.endswith(("-tests.jar", "-sources.jar"))]
    return jars[0] if jars else None


def copy_runtime(home):
    """Copies the exported runtime under home/runtime and returns its start script. A private copy: a rebuild of
    runtime/target during a run cannot disturb it, and the demo pipeline and data sources of runtime/config are
    left out (they would only take CPU from the measured pipelines)."""
    runtime = os.path.join(home, "runtime")
    shutil.copytree(os.path.join(REPO, "runtime", "bin"), os.path.join(runtime, "bin"))
    shutil.copytree(os.path.join(REPO, "runtime", "config"), os.path.join(runtime, "config"),
                    ignore=shutil.ignore_patterns("org.hourglass.pipeline-*", "org.hourglass.data.*"))
    os.makedirs(os.path.join(runtime, "target"))
    shutil.copy(JAR, os.path.join(runtime, "target"))
    return os.path.join(runtime, "bin", "hourglass")


def write_cfg(path, values):
    with open(path + ".tmp", "w") as f:
        for k, v in values.items():
            f.write(f"{k}={v}\n")
    os.replace(path + ".tmp", path)  # FileInstall must never see half a file


class Server:
    """The exported server started from a private copy (copy_runtime) in a temporary home, on a given port, allowed
    to read the given data folders; stop() ends it and removes the home."""
    def __init__(self, port, data_dirs):
        self.data_dirs = list(data_dirs)
        self.home = tempfile.mkdtemp(prefix="hourglass-results-")
        self.deploy = os.path.join(self.home, "deploy")
        os.makedirs(self.deploy)
        self.port = port
        self.log = open(os.path.join(self.home, "server.log"), "w")
        self.proc = None

    def start(self):
        start = copy_runtime(self.home)
        env = dict(os.environ, HOURGLASS_HOME=self.home, HOURGLASS_HTTP_PORT=str(self.port),
                   HOURGLASS_DATA_DIRS=",".join([os.path.join(self.home, "data")] + self.data_dirs))
        self.proc = subprocess.Popen([start], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def state(self, name):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hourglass/api/pipelines/{name}",
                                        timeout=10) as r:
                body = json.load(r)
                return body.get("state"), body.get("message")
        except Exception:
            return None, None

    def record(self, name):
        try:
            with open(os.path.join(self.home, "data", "models", name, "pipeline.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
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


def scoring_of(record):
    return ((record or {}).get("plugins") or {}).get("scoring", {}).get("name")


def await_records(server, names, done, timeout, what):
    """Waits until done(record, name) holds for every pipeline (or it FAILED); returns {name: record or error}."""
    started = time.time()
    results, pending = {}, set(names)
    while pending and time.time() - started < timeout:
        if not server.alive():
            sys.exit("the server stopped; see its log in " + server.home)
        for name in sorted(pending):
            rec = server.record(name)
            if rec and done(rec, name):
                results[name] = rec
                pending.discard(name)
                continue
            state, message = server.state(name)
            if state == "FAILED":
                results[name] = {"error": message}
                pending.discard(name)
        time.sleep(2)
    for name in pending:
        state, message = server.state(name)
        results[name] = {"error": f"no {what} after {timeout} s (state {state}: {message})"}
    return results, time.time() - started
