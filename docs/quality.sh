#!/usr/bin/env bash
# Regenerates the table in docs/quality.md: every shared dataset × protocol with the default
# training settings, next to PCA with the same k fitted on the same rows in the same run.
# Usage: docs/quality.sh [DATA_DIR] > /tmp/quality.md    (DATA_DIR defaults to ../shared/data)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$here/../shared/data}"
# One frozen copy of the jar for the whole table, even if the sources are rebuilt meanwhile.
# Only the runnable jar is needed here; the tests run in `mvn verify`.
[ -f "$here/target/latentstream.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
frozen=$(mktemp -d)
trap 'rm -rf "$frozen"' EXIT
cp -r "$here/target/latentstream.jar" "$here/target/lib" "$frozen/"
ls() { OMP_NUM_THREADS=1 java -Xmx2g -XX:+UseParallelGC -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 --add-modules=jdk.incubator.vector -jar "$frozen/latentstream.jar" "$@"; }
run() { # name file protocol extra-args...
  local name=$1 file=$2 protocol=$3; shift 3
  local t0=$(date +%s)
  ls evaluate --train-and-evaluate --json --protocol "$protocol" --input "$data/$file" "$@" 2>/dev/null \
    | python3 -c '
import json, sys
r = json.load(sys.stdin); m = r["model"]; p = r["pca"]
print("| %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.3f | %.3f | %.3f | %d | %.2f |" % (
  sys.argv[1], r["protocol"], m["rocAuc"], p["rocAuc"], m["averagePrecision"], p["averagePrecision"],
  m["f1"], p["f1"], m["nrmse"], p["nrmse"], m["nrmse"] / p["nrmse"], m["k"], r["microsPerRecord"]))
' "$name"
}
echo "| dataset | protocol | ROC-AUC VAE | ROC-AUC PCA | AP VAE | AP PCA | F1 VAE | F1 PCA | NRMSE VAE | NRMSE PCA | NRMSE ratio | k | µs/record |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for p in A B; do
  run shuttle shuttle.csv $p
  run breast_cancer breast_cancer.csv $p
  run digits digits.csv $p
  run "olive (CVAE)" olive.csv $p --context-column context
  run "olive (context-blind VAE)" olive.csv $p --ignore-column context
done
