#!/usr/bin/env bash
# Prints the README's calibration table: every recorded real-Flink run calibrated with REST's
# estimates alone and with the count job's workload told (--workload), as Markdown rows.
# Usage: scripts/calibration-table.sh   (builds the release CLI; about a minute once built)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin statelab-cli
cli=target/release/statelab-cli
data=tests/data/flink-real
known=$data/known/count-job.workload.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| recorded run | workload told | state size (median, 2nd half) real → simulated | checkpointed size | duration p50 | completed |"
echo "| --- | --- | --- | --- | --- | --- |"
for run in seed count-hashmap-nocomp count-hashmap-comp count-rocksdb-incr count-rocksdb-full; do
  for told in no yes; do
    args=()
    if [ "$told" = yes ]; then
      # The seed job is not the count job: nothing of it to tell.
      [ "$run" = seed ] && continue
      args=(--workload "$known")
    fi
    "$cli" calibrate "$data/$run" --json "${args[@]}" > "$out/doc.json"
    python3 - "$run" "$told" "$out/doc.json" <<'PY'
import json, sys
run, told, path = sys.argv[1:]
rows = {r["figure"]: r for r in json.load(open(path))["comparison"]["rows"]}
def pct(e):
    return f"{e * 100:+.1f} %".replace("-", "−")
def cell(name, unit):
    r = rows[name]
    real, sim, err = r["real"], r["simulated"], r["error"]
    if unit == "ms":
        return f"{real:.1f} → {sim:.1f} ms ({pct(err)})"
    if unit == "n":
        return f"{real:.0f} → {sim:.0f}"
    return f"{real:,.0f} → {sim:,.0f} B ({pct(err)})"
state = cell("state size, median of the second half", "B")
ckpt = cell("checkpointed size, median of the second half", "B")
print(f"| {run} | {told} | {state} | {'same' if ckpt == state else ckpt} | "
      f"{cell('end-to-end duration p50', 'ms')} | {cell('completed checkpoints', 'n')} |")
PY
  done
done
