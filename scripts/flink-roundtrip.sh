#!/usr/bin/env bash
# The round trip to real Flink, on this machine: export the lab's workload as a Flink job →
# start a local Flink 2.3.0 (installed from PyPI into a cache dir if missing) → run the job
# for a bounded time → capture its REST answers → statelab-cli calibrate → compare.
#
# usage: scripts/flink-roundtrip.sh [--check-format] [--config FILE] [--seconds N]
#   --check-format  also fail when the lab's sizes miss real Flink's by more than ±2 %
#                   (CI passes it; without it the script reports the size errors and fails
#                   only when the loop itself breaks)
#   --config FILE   the lab config to export (default: a 20,000-key counter job, below)
#   --seconds N     how long the job runs before the answers are captured (default 40)
# env: STATELAB_FLINK_CACHE (default ~/.cache/statelab/flink-2.3.0): where Flink is installed
#      STATELAB_FLINK_PORT (8091) / STATELAB_FLINK_RPC_PORT (6133): this cluster's ports, away
#        from Flink's defaults so another local cluster is left alone
#      STATELAB_CLI: a built statelab-cli (default: cargo build --bin statelab-cli, the debug
#        build `cargo test` makes too; its 40 virtual s take a few wall seconds)
#      ROUNDTRIP_LIMIT_S (600): the whole run's time bound
# Exit status: 0 the loop ran (and, with --check-format, the sizes met the aim); 1 a step
# failed or the sizes missed; 2 the cluster did not start. The cluster is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
START=$(date +%s)
LIMIT="${ROUNDTRIP_LIMIT_S:-600}"
CHECK=0
CONFIG=""
RUN_S=40
while [ $# -gt 0 ]; do
  case "$1" in
    --check-format) CHECK=1 ;;
    --config) CONFIG="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift ;;
    --seconds) RUN_S="$2"; shift ;;
    *) echo "flink-roundtrip: unknown argument $1" >&2; exit 1 ;;
  esac
  shift
done
CACHE="${STATELAB_FLINK_CACHE:-$HOME/.cache/statelab/flink-2.3.0}"
PORT="${STATELAB_FLINK_PORT:-8091}"
RPC_PORT="${STATELAB_FLINK_RPC_PORT:-6133}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/statelab-roundtrip.XXXXXX")"
say() { echo "flink-roundtrip [$(( $(date +%s) - START ))s]: $*" >&2; }
die() { say "FAILED: $1"; exit "${2:-1}"; }
left() { echo $(( LIMIT - ($(date +%s) - START) )); }
need_time() { [ "$(left)" -gt "$1" ] || die "out of time (ROUNDTRIP_LIMIT_S=$LIMIT) before: $2"; }
# A JDK (javac, jar: the job is compiled here) and curl; Debian's packages when missing.
if ! command -v javac >/dev/null || ! command -v jar >/dev/null || ! command -v curl >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing a JDK and curl (Debian packages)"
    timeout 300 apt-get update -qq >/dev/null && \
      timeout 300 apt-get install -y -qq openjdk-17-jdk-headless curl >/dev/null \
      || die "apt-get install openjdk-17-jdk-headless curl failed"
  fi
fi
for tool in java javac jar curl python3 timeout; do
  command -v "$tool" >/dev/null || die "missing the tool \`$tool\` (a Java 17 JDK, curl, python3, coreutils)"
done

FH=""
cleanup() {
  local rc=$?
  if [ -n "$FH" ] && [ -d "$WORK/pid" ]; then
    say "stopping the cluster"
    FLINK_CONF_DIR="$WORK/conf" FLINK_PID_DIR="$WORK/pid" FLINK_LOG_DIR="$WORK/log" \
      timeout 60 "$FH/bin/stop-cluster.sh" >/dev/null 2>&1 || true
    # Anything of this cluster's still alive: only the pids its own pid files name.
    for f in "$WORK"/pid/*.pid; do
      [ -f "$f" ] || continue
      while read -r pid; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done < "$f"
    done
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ $rc -ne 0 ]; then
    say "work dir kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'die "interrupted"' INT TERM

# ---------------------------------------------------------------- 1. the lab side
if [ -n "${STATELAB_CLI:-}" ]; then
  CLI="$STATELAB_CLI"
else
  say "building statelab-cli"
  (cd "$ROOT" && timeout "$(left)" cargo build --quiet --bin statelab-cli) \
    || die "cargo build failed"
  CLI="$ROOT/target/debug/statelab-cli"
fi
if [ -z "$CONFIG" ]; then
  CONFIG="$WORK/roundtrip-config.json"
  # Uniform keys, many records per key within the run, so every key exists long before the
  # answers are captured and the state's size no longer depends on exactly when each side
  # took its checkpoints; uncompressed, so sizes do not move with the counters' values.
  cat > "$CONFIG" <<'JSON'
{
  "seed": 7,
  "workload": {
    "source": {"kind": "generated", "key_space": 20000, "distribution": {"kind": "uniform"}, "key_kind": "string"},
    "rate": {"kind": "constant", "records_per_s": 5000},
    "value_model": {"kind": "counter"}
  },
  "job": {"parallelism": 2, "max_parallelism": 128},
  "checkpointing": {"interval_ms": 3000, "min_pause_ms": 500, "timeout_ms": 60000, "max_concurrent": 1,
                    "tolerable_failed": 3, "num_retained": 3, "incremental": false, "codec": "none"}
}
JSON
fi
"$CLI" export-flink-job "$CONFIG" --out "$WORK/job" || die "export-flink-job failed"
PARALLELISM="$(sed -n 's/^parallelism.default=//p' "$WORK/job/job-args.txt")"

# ---------------------------------------------------------------- 2. Flink 2.3.0 from PyPI
if ! "$CACHE/venv/bin/python" -c 'import pyflink' >/dev/null 2>&1 \
   || ! ls "$CACHE"/venv/lib/python3*/site-packages/pyflink/lib/flink-dist-2.3.0.jar >/dev/null 2>&1; then
  say "installing apache-flink 2.3.0 into $CACHE (a 329 MB wheel of jars)"
  need_time 120 "installing Flink"
  mkdir -p "$CACHE"
  [ -x "$CACHE/venv/bin/python" ] || python3 -m venv "$CACHE/venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  # --no-deps: the Python dependencies serve Python UDFs only; the exported job is Java.
  timeout "$(left)" "$CACHE/venv/bin/pip" install --quiet --no-deps \
    apache-flink==2.3.0 apache-flink-libraries==2.3.0 || die "pip install apache-flink==2.3.0 failed"
fi
FH="$("$CACHE/venv/bin/python" -c 'import os,pyflink;print(os.path.dirname(pyflink.__file__))')"
say "Flink 2.3.0 at $FH"

# ---------------------------------------------------------------- 3. a cluster of our own
mkdir -p "$WORK/log" "$WORK/pid" "$WORK/checkpoints"
cp -r "$FH/conf" "$WORK/conf"
JOPTS="$(sed -n 's/^ *all: *//p' "$FH/conf/config.yaml" | head -1)"
{
  echo "env.java.opts.all: $JOPTS"
  echo "env.pid.dir: $WORK/pid"
  echo "env.log.dir: $WORK/log"
  echo "jobmanager.bind-host: 127.0.0.1"
  echo "jobmanager.rpc.address: 127.0.0.1"
  echo "jobmanager.rpc.port: $RPC_PORT"
  echo "jobmanager.memory.process.size: 1200m"
  echo "taskmanager.bind-host: 127.0.0.1"
  echo "taskmanager.host: 127.0.0.1"
  echo "taskmanager.memory.process.size: 2048m"
  echo "rest.address: 127.0.0.1"
  echo "rest.bind-address: 127.0.0.1"
  echo "rest.port: $PORT"
  grep -v '^#' "$WORK/job/cluster-config.yaml"
} > "$WORK/conf/config.yaml"
echo "127.0.0.1:$PORT" > "$WORK/conf/masters"
echo localhost > "$WORK/conf/workers"
export FLINK_CONF_DIR="$WORK/conf" FLINK_LOG_DIR="$WORK/log" FLINK_PID_DIR="$WORK/pid"
for port in "$PORT" "$RPC_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is in use: set STATELAB_FLINK_PORT / STATELAB_FLINK_RPC_PORT to free ports" 2
  fi
done
say "starting a cluster (REST $BASE, $PARALLELISM slots)"
timeout 60 "$FH/bin/start-cluster.sh" >"$WORK/log/start-cluster.out" 2>&1 \
  || { cat "$WORK/log/start-cluster.out" >&2; die "start-cluster.sh failed" 2; }
UP=0
WHY="no $PARALLELISM free slots at $BASE/overview within 120 s"
for _ in $(seq 1 120); do
  if curl -sf -m 2 "$BASE/overview" 2>/dev/null | grep -q "\"slots-available\":$PARALLELISM"; then UP=1; break; fi
  # A JobManager that died will not come up: say so at once.
  JM_PID="$(cat "$WORK"/pid/*standalonesession*.pid 2>/dev/null | head -1)"
  if [ -n "$JM_PID" ] && ! kill -0 "$JM_PID" 2>/dev/null; then WHY="the JobManager exited"; break; fi
  sleep 1
done
if [ $UP -ne 1 ]; then
  grep -h -E "ERROR|Caused by" "$WORK"/log/*.log 2>/dev/null | head -n 12 >&2 || true
  die "the cluster did not start: $WHY (the errors above; all logs in $WORK/log)" 2
fi
say "cluster up: $(curl -sf "$BASE/overview")"

# ---------------------------------------------------------------- 4. run the exported job
need_time $((RUN_S + 60)) "running the job"
JOB="$(FLINK_HOME="$FH" CHECKPOINT_DIR="file://$WORK/checkpoints" timeout 120 "$WORK/job/submit.sh" 2>"$WORK/submit.log" | tail -1)" \
  || { cat "$WORK/submit.log" >&2; die "submitting the job failed"; }
say "job $JOB submitted"
for _ in $(seq 1 60); do
  STATE="$(curl -sf "$BASE/jobs/$JOB" | python3 -c 'import json,sys;print(json.load(sys.stdin)["state"])' 2>/dev/null || true)"
  [ "$STATE" = RUNNING ] && break
  case "$STATE" in FAILED|CANCELED|FINISHED) die "the job is $STATE before running (logs in $WORK/log)";; esac
  sleep 1
done
[ "$STATE" = RUNNING ] || die "the job did not reach RUNNING within 60 s (state: ${STATE:-none})"
say "job running; capturing its answers after $RUN_S s"
sleep "$RUN_S"

# ---------------------------------------------------------------- 5. calibrate and compare
# calibrate fetches the answers itself (its own HTTP client) and keeps them in answers/.
ARGS=(calibrate "$BASE/jobs/$JOB" --save "$WORK/answers")
[ $CHECK -eq 1 ] && ARGS+=(--check-aims)
set +e
timeout "$(left)" "$CLI" "${ARGS[@]}" | tee "$WORK/calibrate.txt"
RC=${PIPESTATUS[0]}
set -e
curl -sf -X PATCH "$BASE/jobs/$JOB?mode=cancel" >/dev/null || true
if [ "$RC" -ne 0 ]; then
  if [ $CHECK -eq 1 ] && grep -q "size aims (±2 %): missed" "$WORK/calibrate.txt"; then
    die "the lab's sizes miss real Flink's by more than ±2 % (see above)"
  fi
  die "statelab-cli calibrate failed (exit $RC)"
fi
grep -q "^real vs simulated" "$WORK/calibrate.txt" || die "calibrate printed no comparison"
if [ $CHECK -eq 0 ] && grep -q "size aims (±2 %): missed" "$WORK/calibrate.txt"; then
  say "report mode: the sizes above miss real Flink's by more than ±2 %; run with --check-format to fail on them"
fi
say "round trip done in $(( $(date +%s) - START )) s"
