"""The exported runtime as the result scripts use it: which bundles it ships, plug-ins built in this checkout
but not (yet) in it, and a private copy of it to start without the demo pipeline. Standard library only."""
import glob
import os
import shutil
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
