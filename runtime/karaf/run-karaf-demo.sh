#!/usr/bin/env bash
# Hourglass in a stock Apache Karaf: a fresh copy of the Karaf distribution, the Hourglass feature repository,
# the features hourglass-rest and hourglass-console installed at boot, the demo pipeline (a small Fashion-MNIST
# subset, a few epochs) trained, one test image scored over the REST API, the Web Console page fetched, and Karaf
# stopped. Exits non-zero, with the end of Karaf's log, when any step fails.
#
# By hand (after `mvn -B install -DskipTests` at the root):   runtime/karaf/run-karaf-demo.sh
# In the build: `mvn -B -pl runtime/karaf verify` runs it as the module's integration test.
#
# Environment (all optional):
#   KARAF_DIST          unpacked apache-karaf-<version> (default: target/karaf/..., unpacked by Maven when missing)
#   HOURGLASS_FEATURES  the feature XML (default: target/feature/feature.xml, built by Maven when missing)
#   HOURGLASS_BUNDLES   the bundles the features name, in Maven repository layout (default: target/bundle-repository,
#                       copied there by Maven); Karaf takes them from there first, so it runs the bundles just built
#   MAVEN_LOCAL_REPO    local Maven repository for the rest (default ~/.m2/repository)
#   KARAF_MAVEN_REPOSITORIES  remote repositories for what is missing there: Karaf's own SCR bundles (feature scr)
#                       are not in the distribution's system/ folder (default: Maven Central only, releases only)
#   HOURGLASS_FASHION_MNIST  Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)
#   KARAF_DEMO_TIMEOUT  seconds to wait for the pipeline to be trained (default 240)
set -euo pipefail

MODULE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KARAF_VERSION="$(sed -n 's:.*<karaf.version>\(.*\)</karaf.version>.*:\1:p' "$MODULE/pom.xml")"
KARAF_DIST="${KARAF_DIST:-$MODULE/target/karaf/apache-karaf-$KARAF_VERSION}"
HOURGLASS_FEATURES="${HOURGLASS_FEATURES:-$MODULE/target/feature/feature.xml}"
HOURGLASS_BUNDLES="${HOURGLASS_BUNDLES:-$MODULE/target/bundle-repository}"
MAVEN_LOCAL_REPO="${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}"
KARAF_MAVEN_REPOSITORIES="${KARAF_MAVEN_REPOSITORIES-https://repo1.maven.org/maven2@id=central}"
DATA="${HOURGLASS_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
TIMEOUT="${KARAF_DEMO_TIMEOUT:-240}"
WORK="$MODULE/target/karaf-demo"
PIPELINE=fashion-demo
START=$SECONDS

say() { printf '[karaf-demo %3ds] %s\n' "$((SECONDS - START))" "$*"; }
fail() {
    say "FAILED: $*"
    if [[ -f "$WORK/data/log/karaf.log" ]]; then
        echo "----- last lines of $WORK/data/log/karaf.log -----"
        tail -n 60 "$WORK/data/log/karaf.log"
    fi
    exit 1
}

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [[ -f "$DATA/$f" ]] || fail "missing $DATA/$f (apt-get install dataset-fashion-mnist, or set HOURGLASS_FASHION_MNIST)"
done
command -v curl >/dev/null || fail "curl is needed"

if [[ ! -x "$KARAF_DIST/bin/karaf" || ! -f "$HOURGLASS_FEATURES" || ! -d "$HOURGLASS_BUNDLES/org/hourglass" ]]; then
    say "building the feature XML, copying its bundles, unpacking Karaf $KARAF_VERSION (mvn pre-integration-test)"
    mvn -B -q -f "$MODULE/pom.xml" pre-integration-test -Dmaven.repo.local="$MAVEN_LOCAL_REPO" \
        || fail "mvn could not build the features or unpack Karaf"
fi
[[ -x "$KARAF_DIST/bin/karaf" ]] || fail "no Karaf distribution at $KARAF_DIST"
[[ -f "$HOURGLASS_FEATURES" ]] || fail "no feature XML at $HOURGLASS_FEATURES"
[[ -d "$HOURGLASS_BUNDLES/org/hourglass" ]] || fail "no Hourglass bundles under $HOURGLASS_BUNDLES"

# A free port on 127.0.0.1 for Karaf's (Felix) HTTP server: nothing answers a connection to it.
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    fail "no free port found"
}
PORT="$(free_port)"
PASSWORD="demo-$RANDOM$RANDOM"
API="http://127.0.0.1:$PORT/hourglass/api"

say "fresh Karaf $KARAF_VERSION in $WORK (HTTP on 127.0.0.1:$PORT)"
rm -rf "$WORK"
cp -r "$KARAF_DIST" "$WORK"
ETC="$WORK/etc"

# Boot features: the Hourglass ones; no SSH server and no JMX/RMI ports (the demo needs no remote shell).
sed -i -e "s|^featuresRepositories = \\\\|featuresRepositories = \\\\\n    file:$HOURGLASS_FEATURES, \\\\|" \
       -e "s|^featuresBoot = \\\\|featuresBoot = \\\\\n    hourglass-rest, \\\\\n    hourglass-console, \\\\|" \
       -e '/^ *ssh\/[0-9.]*, \\$/d' -e '/^ *management\/[0-9.]*, \\$/d' \
       "$ETC/org.apache.karaf.features.cfg"
grep -q "file:$HOURGLASS_FEATURES" "$ETC/org.apache.karaf.features.cfg" || fail "could not add the feature repository"
grep -q "^ *hourglass-rest, " "$ETC/org.apache.karaf.features.cfg" || fail "could not add the boot features"

# Bundles come from the ones just built, Karaf's system/ folder, the local Maven repository, then Maven Central
# (not Karaf's default snapshot repositories: the Hourglass SNAPSHOT bundles are local only).
sed -i -e "s|^org.ops4j.pax.url.mvn.defaultRepositories=\\\\|org.ops4j.pax.url.mvn.defaultRepositories=\\\\\n    file:$HOURGLASS_BUNDLES@id=hourglass.bundles@snapshots, \\\\|" \
       -e '/^org.ops4j.pax.url.mvn.repositories *=/,/[^\\]$/d' "$ETC/org.ops4j.pax.url.mvn.cfg"
grep -q "file:$HOURGLASS_BUNDLES@" "$ETC/org.ops4j.pax.url.mvn.cfg" || fail "could not add the bundle repository"
cat >> "$ETC/org.ops4j.pax.url.mvn.cfg" <<EOF
org.ops4j.pax.url.mvn.localRepository = $MAVEN_LOCAL_REPO
org.ops4j.pax.url.mvn.repositories = $KARAF_MAVEN_REPOSITORIES
EOF

# Framework properties: models under Karaf's data/ (read by the pipeline bundle); Felix HTTP's address, which it
# uses from its start (the configuration below only arrives after Jetty started once on these properties).
cat >> "$ETC/custom.properties" <<EOF

hourglass.model.dir = $WORK/data/hourglass/models
org.apache.felix.http.host = 127.0.0.1
org.osgi.service.http.port = $PORT
EOF
# The REST whiteboard (Eclipse OSGi Technology REST) imports org.osgi.service.condition, which Felix 7 has but
# Karaf 4.4 does not export from the framework (its package list is OSGi R7): Karaf's own list plus that package.
cat >> "$ETC/custom.properties" <<'EOF'
org.osgi.framework.system.packages.extra = \
    org.apache.karaf.branding, \
    sun.misc, \
    com.sun.jmx.remote.protocol, \
    com.sun.jmx.remote.protocol.jmxmp, \
    org.apache.karaf.jaas.boot;uses:=\"javax.security.auth,javax.security.auth.callback,javax.security.auth.login,javax.security.auth.spi,org.osgi.framework\";version=4.4.10, \
    org.apache.karaf.jaas.boot.principal;uses:=javax.security.auth;version=4.4.10, \
    org.apache.karaf.diagnostic.core;uses:=org.osgi.framework;version=4.4.10, \
    org.apache.karaf.diagnostic.core.common;uses:=org.apache.karaf.diagnostic.core;version=4.4.10, \
    org.osgi.service.condition;version=1.0
EOF

# HTTP (Felix Jetty 12), the REST API's and the Web Console's credentials: explicit values, no $[env:...].
cat > "$ETC/org.apache.felix.http.cfg" <<EOF
org.apache.felix.http.enable = true
org.apache.felix.http.host = 127.0.0.1
org.osgi.service.http.port = $PORT
org.apache.felix.http.name = hourglass
EOF
cat > "$ETC/org.hourglass.web.rest.cfg" <<EOF
username = admin
password = $PASSWORD
EOF
cat > "$ETC/org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg" <<EOF
username = admin
password = $PASSWORD
EOF

# The demo pipeline of runtime/config, made small: 2,000 training T-shirts, 3 epochs, 1,000 test images.
cat > "$ETC/org.hourglass.data.idx-fashion-mnist-train.cfg" <<EOF
hourglass.name = fashion-mnist-train
images = $DATA/train-images-idx3-ubyte.gz
labels = $DATA/train-labels-idx1-ubyte.gz
classes = 0
limit = 2000
EOF
cat > "$ETC/org.hourglass.data.idx-fashion-mnist-test.cfg" <<EOF
hourglass.name = fashion-mnist-test
images = $DATA/t10k-images-idx3-ubyte.gz
labels = $DATA/t10k-labels-idx1-ubyte.gz
normal.classes = 0
limit = 1000
EOF
cat > "$ETC/org.hourglass.pipeline-$PIPELINE.cfg" <<EOF
hourglass.name = $PIPELINE
family = dense
loss = mse
scoring = reconstruction-error
training.data = fashion-mnist-train
evaluation.data = fashion-mnist-test
latent.size = 32
epochs = 3
batch.size = 128
learning.rate = 0.001
normalization = minmax
validation.fraction = 0.1
auto.train = true
EOF

# Start Karaf in the background (bin/start: `karaf server`, output to data/karaf.out, log in data/log/karaf.log).
unset KARAF_HOME KARAF_BASE KARAF_DATA KARAF_ETC KARAF_LOG
export JAVA_MAX_MEM="${JAVA_MAX_MEM:-1024M}"
STARTED=0
stop_karaf() {
    [[ $STARTED == 1 ]] || return 0
    STARTED=0
    local pid=""
    [[ -f "$WORK/karaf.pid" ]] && pid="$(cat "$WORK/karaf.pid")"
    say "stopping Karaf (bin/stop)"
    "$WORK/bin/stop" >/dev/null 2>&1 || true
    if [[ -n "$pid" ]]; then
        for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || { say "Karaf stopped"; return 0; }; sleep 0.5; done
        say "Karaf did not stop in 30 s: killing process $pid"
        kill "$pid" 2>/dev/null || true
        return 1
    fi
}
trap stop_karaf EXIT
say "starting Karaf"
"$WORK/bin/start"
STARTED=1

# Wait for the pipeline: the REST API answers once hourglass-rest is installed and Jetty runs.
state=""
deadline=$((SECONDS + TIMEOUT))
while (( SECONDS < deadline )); do
    if grep -q "Error installing boot feature" "$WORK/data/log/karaf.log" 2>/dev/null; then
        fail "Karaf could not install the boot features"
    fi
    body="$(curl -s --max-time 5 "$API/pipelines/$PIPELINE" || true)"
    new="$(sed -n 's/.*"state":"\([A-Z]*\)".*/\1/p' <<<"$body")"
    if [[ -n "$new" && "$new" != "$state" ]]; then
        state="$new"
        say "pipeline $PIPELINE: $state $(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' <<<"$body")"
    fi
    [[ "$state" == TRAINED ]] && break
    [[ "$state" == FAILED ]] && fail "pipeline $PIPELINE failed: $body"
    sleep 1
done
[[ "$state" == TRAINED ]] || fail "pipeline $PIPELINE not trained within ${TIMEOUT}s (last state: ${state:-no answer from $API})"

LOG="$WORK/data/log/karaf.log"
say "boot features: $(grep -o 'hourglass-[a-z]*/\[[^],]*' "$LOG" | sed 's/\[//' | sort -u | tr '\n' ' ')"
say "bundles started: $(grep -o '|   org\.\(hourglass\|apache\.felix\.http\|apache\.felix\.webconsole\)[a-z0-9.-]*/[0-9A-Za-z.]*$' "$LOG" \
    | sed 's/^|   //' | sort -u | tr '\n' ' ')"
say "HTTP: $(grep -o 'Started Jetty [0-9.]* at port(s) HTTP:[0-9]*' "$LOG" | tail -n 1), $(grep -o '{127\.0\.0\.1:[0-9]*}\|{0\.0\.0\.0:[0-9]*}' "$LOG" | tail -n 1)"
grep -F "Pipeline '$PIPELINE'" "$LOG" | sed 's/^.*| //' | tail -n 2 | sed 's/^/    /' || true

# Score the first Fashion-MNIST test image (784 bytes after the 16-byte IDX header) as JSON.
row="$( (gzip -dc "$DATA/t10k-images-idx3-ubyte.gz" || true) | head -c 800 | tail -c 784 | od -An -v -tu1 | tr -s ' \n' ',' | sed 's/^,//;s/,$//')"
[[ "$(tr ',' '\n' <<<"$row" | wc -l)" == 784 ]] || fail "could not read a test image"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "{\"instances\":[[$row]]}" "$API/pipelines/$PIPELINE/score")"
[[ "$code" == 401 ]] || fail "score without credentials answered $code, expected 401"
scores="$(curl -sf -u "admin:$PASSWORD" -H 'Content-Type: application/json' \
          -d "{\"instances\":[[$row]]}" "$API/pipelines/$PIPELINE/score")" || fail "POST $API/pipelines/$PIPELINE/score failed"
say "POST /hourglass/api/pipelines/$PIPELINE/score (first test image) -> $scores"
[[ "$scores" =~ ^\{\"scores\":\[[0-9][0-9.eE+-]*\]\}$ ]] || fail "unexpected score answer: $scores"
labels="$(curl -sf -u "admin:$PASSWORD" -H 'Content-Type: application/json' \
          -d "{\"instances\":[[$row]]}" "$API/pipelines/$PIPELINE/label")" || fail "POST .../label failed"
say "POST /hourglass/api/pipelines/$PIPELINE/label -> $labels"

# The Hourglass page of the Felix Web Console (feature hourglass-console) on the same Jetty.
code="$(curl -s -o "$WORK/console.html" -w '%{http_code}' -u "admin:$PASSWORD" "http://127.0.0.1:$PORT/system/console/hourglass")"
[[ "$code" == 200 ]] || fail "GET /system/console/hourglass answered $code"
grep -q "$PIPELINE" "$WORK/console.html" || fail "the console page does not list $PIPELINE"
say "GET /system/console/hourglass -> 200, lists $PIPELINE"

stop_karaf || fail "Karaf did not stop cleanly"
trap - EXIT
say "OK: Karaf $KARAF_VERSION installed the Hourglass features, trained '$PIPELINE' and scored a row"
