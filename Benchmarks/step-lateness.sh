#!/usr/bin/env bash
# Realtime lateness of the next frame after a realtime step landing while a capture deadline is
# armed (issue 14), in the simulator: `Simulator/Scenarios/steps-while-armed.yaml` (4 nodes,
# 30 fps, 64 steps of +5 ms, -5 ms, +50 ms and -50 ms at instants spread over the frame period,
# a real-time capture thread: wake-ups 2 µs + ~3 µs), over several seeds, with the deadline timer
# step-aware (the kernel's cancel-on-set notice re-arms it; what `genlock camera` runs) and
# unaware (`--steps unaware`: the step shows at the stale monotonic deadline).
# Goal: step-aware p99 ≤ 20 µs for forward steps, against up to one frame period unaware.
#
#   Benchmarks/step-lateness.sh            # seeds 1..5
#   SEEDS="1 2 3" Benchmarks/step-lateness.sh
#
# The figures are simulated (deterministic: same seed, same numbers on any machine), so a debug
# build does. "Lateness" is what the node measured: realtime read on waking minus Tn of the first
# frame captured after the step. Prints, per mode and step size, the count, p50, p99 (nearest
# rank) and max, and the timer's own wake latency p99 for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDS=${SEEDS:-"1 2 3 4 5"}
SCENARIO=Simulator/Scenarios/steps-while-armed.yaml
GENLOCK=${GENLOCK:-.build/debug/genlock}
[ -x "$GENLOCK" ] || swift build --product genlock >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for mode in aware unaware; do
  for seed in $SEEDS; do
    "$GENLOCK" sim "$SCENARIO" --seed "$seed" --steps "$mode" --json "$work/$mode-$seed.json" >/dev/null
  done
done

# Nearest-rank percentile of a sorted array.
stats='def pct(p): if length == 0 then null else .[((p * length / 100) | ceil) - 1] end;
  sort | {n: length, p50: pct(50), p99: pct(99), max: (if length == 0 then null else max end)}'
us() { awk '{ if ($1 == "null") print "n/a"; else printf "%.1f µs", $1 / 1000 }'; }

printf '%-9s %-7s %5s %12s %12s %12s\n' mode step steps p50 p99 max
for mode in aware unaware; do
  for step in 5000000 -5000000 50000000 -50000000; do
    r=$(jq -s "[.[].perNode[].steps[] | select(.byNs == $step) | .nextLatenessNs | select(. != null)] | $stats" "$work/$mode"-*.json)
    label=$(awk -v s="$step" 'BEGIN { printf "%s%d ms", (s > 0 ? "+" : ""), s / 1000000 }')
    printf '%-9s %-7s %5s %12s %12s %12s\n' "$mode" "$label" "$(jq .n <<<"$r")" \
      "$(jq .p50 <<<"$r" | us)" "$(jq .p99 <<<"$r" | us)" "$(jq .max <<<"$r" | us)"
  done
done
for mode in aware unaware; do
  r=$(jq -s "[.[].perNode[].steps[] | select(.byNs > 0) | .nextLatenessNs | select(. != null)] | $stats" "$work/$mode"-*.json)
  printf '%-9s %-7s %5s %12s %12s %12s\n' "$mode" "forward" "$(jq .n <<<"$r")" \
    "$(jq .p50 <<<"$r" | us)" "$(jq .p99 <<<"$r" | us)" "$(jq .max <<<"$r" | us)"
done
wake=$(jq -s '[.[].perNode[].wakeErrorNs.p99] | max' "$work"/aware-*.json)
wakemax=$(jq -s '[.[].perNode[].wakeErrorNs.max] | max' "$work"/aware-*.json)
echo "timer wake latency over every frame (step-aware runs, worst node): p99 $(us <<<"$wake"), max $(us <<<"$wakemax")"
