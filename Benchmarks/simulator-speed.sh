#!/usr/bin/env bash
# Simulator speed: simulated camera-frames per wall-clock second on one core, release build, on
# the issue's workload: one simulated hour of 16 cameras at 120 fps (6.9 M frames) with the PTP
# servo, `Simulator/Scenarios/long-run-24h.yaml --duration 1h`. Goal: under 2 s.
#
#   Benchmarks/simulator-speed.sh               # 5 runs
#   RUNS=10 DURATION=10m Benchmarks/simulator-speed.sh
#
# Each run must print the same trace hash (the speed of a different simulation is no figure).
# Prints each run's wall time (as the simulator measures its own loop) and user CPU time (GNU
# time), then the best of each: on a shared machine the minimum is the figure least disturbed by
# other jobs. The load average is printed with it.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
DURATION=${DURATION:-1h}
SCENARIO=Simulator/Scenarios/long-run-24h.yaml

swift build -c release --product genlock >/dev/null
GENLOCK=.build/release/genlock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hash=""
best_wall=""
best_user=""
for run in $(seq 1 "$RUNS"); do
  /usr/bin/time -f "%U" -o "$work/user" "$GENLOCK" sim "$SCENARIO" --duration "$DURATION" >"$work/out"
  h=$(sed -n 's/^trace hash //p' "$work/out")
  line=$(grep 'simulated camera-frames per wall second' "$work/out")
  wall=$(sed -n 's/.* in \([0-9.]*\) s)$/\1/p' <<<"$line")
  user=$(cat "$work/user")
  if [ -n "$hash" ] && [ "$h" != "$hash" ]; then
    echo "run $run: trace hash $h differs from $hash: the runs are not the same simulation" >&2
    exit 1
  fi
  hash=$h
  echo "run $run: $line, user CPU ${user} s"
  best_wall=$(printf '%s\n%s\n' "$wall" "${best_wall:-$wall}" | sort -g | head -1)
  best_user=$(printf '%s\n%s\n' "$user" "${best_user:-$user}" | sort -g | head -1)
done
echo "best of $RUNS ($DURATION, 16 cameras × 120 fps, trace hash $hash): wall ${best_wall} s, user CPU ${best_user} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
