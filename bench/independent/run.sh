#!/usr/bin/env bash
# One independent evaluation run: generate, run the demo on the files, score.
# Usage: bench/independent/run.sh DIR SEED PATIENTS [generate.py options...]
#   REPO=/path/to/checkout (default: this checkout) selects the code the demo runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=${REPO:-$(cd "$here/../.." && pwd)}
dir=$1 seed=$2 patients=$3
shift 3
python3 "$here/generate.py" --seed "$seed" --patients "$patients" --out "$dir" "$@" > "$dir.gen.json"
start=$(date +%s)
(cd "$repo" && npm run demo -- --patients "$dir/patients.csv" --candidates "$dir/candidates.csv" --out "$dir/results.csv") > "$dir/demo.log" 2>&1 \
  || { echo "demo failed (exit $?), see $dir/demo.log"; tail -5 "$dir/demo.log"; exit 1; }
echo "demo: $(( $(date +%s) - start )) s; $(grep -E 'rejected' "$dir/demo.log" | sed 's/^ *//')"
python3 "$here/score.py" "$dir/truth.csv" "$dir/results.csv" --json "$dir/score.json" | tee "$dir/score.txt"
