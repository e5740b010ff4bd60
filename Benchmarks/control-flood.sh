#!/usr/bin/env bash
# The coordinator under a hostile flood (issue 13's benchmark): a real `genlock coordinator` on
# loopback, HOSTILE hostile connections (idle, slowloris, garbage: control-flood-hostile.py) opened
# first, then NODES real nodes (`control-flood-nodes`: the camera node's own NodeClient, one per
# rig camera). The coordinator STARTs once every camera is connected.
#
# Prints per round and pooled over ROUNDS:
#   - the coordinator's RSS (VmRSS) before the flood, with the flood open, and when the round ends;
#   - its CPU (user + system, from /proc/PID/stat) as a share of one core while the flood is open
#     and the nodes connect;
#   - how many nodes connected and got START;
#   - START→ACK p50/p99/max as the coordinator measures it on its monotonic clock (its one
#     "START→ACK of N cameras" line): from the tick that decided START to the instant it handled
#     each node's ACK, so both legs, the fan-out of every START, and the ACK waiting behind the
#     flood in the event loop are in it;
#   - START delivery p50/p99/max (the first leg alone, from the nodes' side): from the
#     coordinator's decision (T0 − lead, same machine, same realtime clock) to the node holding
#     the START.
#   When not every node got START no latency is printed for "the nodes": the round says how many
#   got through instead.
#
# Knobs: NODES=128 HOSTILE=2000 ROUNDS=3 NOFILE=1024 (the coordinator's open-file limit: 1024 is the
# common default the issue's EMFILE finding is about) LEAD_MS=2000 TIMEOUT_S=60 SETTLE_S=3
# CONFIG=release|debug (which build of genlock and of the node tool; release by default)
# GENLOCK=path (a genlock binary to use instead of building one), NODES_TOOL=path (likewise for
# control-flood-nodes: Benchmarks/Sources/control-flood-nodes built by any package that has it).
#
#     Benchmarks/control-flood.sh
#     CONFIG=debug NODES=32 HOSTILE=500 Benchmarks/control-flood.sh
set -euo pipefail

NODES=${NODES:-128}
HOSTILE=${HOSTILE:-2000}
ROUNDS=${ROUNDS:-3}
NOFILE=${NOFILE:-1024}
LEAD_MS=${LEAD_MS:-2000}
TIMEOUT_S=${TIMEOUT_S:-60}
SETTLE_S=${SETTLE_S:-3}
CONFIG=${CONFIG:-release}
for v in NODES HOSTILE ROUNDS NOFILE LEAD_MS TIMEOUT_S SETTLE_S; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || { echo "control-flood.sh: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
[[ $CONFIG == release || $CONFIG == debug ]] || { echo "control-flood.sh: CONFIG must be release or debug" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/Benchmarks"
if [[ -z ${GENLOCK:-} ]]; then
    (cd "$root" && swift build -c "$CONFIG" --product genlock >&2)
    GENLOCK="$root/.build/$CONFIG/genlock"
fi
[[ -x $GENLOCK ]] || { echo "control-flood.sh: no genlock binary at $GENLOCK" >&2; exit 2; }
if [[ -z ${NODES_TOOL:-} ]]; then
    (cd "$bench" && swift build -c "$CONFIG" --product control-flood-nodes >&2)
    NODES_TOOL="$bench/.build/$CONFIG/control-flood-nodes"
fi
[[ -x $NODES_TOOL ]] || { echo "control-flood.sh: no control-flood-nodes binary at $NODES_TOOL" >&2; exit 2; }
nodes_tool=$NODES_TOOL

work=$(mktemp -d /tmp/genlock-flood-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

"$GENLOCK" keygen --out "$work/rig.key" >/dev/null
cameras=$(seq -s ', ' -f 'cam%g' 0 $((NODES - 1)))
hz=$(getconf CLK_TCK)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
mono_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); genlock $CONFIG build; coordinator ulimit -n $NOFILE"
echo "nodes $NODES, hostile $HOSTILE (idle/slowloris/garbage), lead ${LEAD_MS} ms, rounds $ROUNDS"
all_samples="$work/delivery.txt"
ack_samples="$work/start-ack.txt"
: >"$all_samples"
: >"$ack_samples"
for round in $(seq 1 "$ROUNDS"); do
    port=$((30000 + RANDOM % 20000))
    cat >"$work/rig.yaml" <<YAML
cameras: [$cameras]
fps: 30
lead: ${LEAD_MS}ms
stopMargin: 300ms
key: rig.key
listen: 127.0.0.1:$port
YAML
    # The coordinator under the common open-file limit, in its own shell.
    (ulimit -n "$NOFILE" && exec "$GENLOCK" coordinator --config "$work/rig.yaml" --no-ptp-gate --pid-file "$work/coordinator.pid") \
        >"$work/coordinator-$round.log" 2>&1 &
    coord=$!
    pids+=("$coord")
    for _ in $(seq 1 100); do grep -qs "listening on" "$work/coordinator-$round.log" && break; sleep 0.1; done
    rss_idle=$(rss_kb "$coord")

    idle=$((HOSTILE * 35 / 100)); slow=$((HOSTILE * 35 / 100)); garbage=$((HOSTILE - idle - slow))
    python3 "$bench/control-flood-hostile.py" --port "$port" --idle "$idle" --slowloris "$slow" --garbage "$garbage" \
        --duration $((TIMEOUT_S + SETTLE_S + 60)) >"$work/hostile-$round.log" 2>&1 &
    hostile=$!
    pids+=("$hostile")
    for _ in $(seq 1 $((TIMEOUT_S * 10))); do grep -q "hostile_open=" "$work/hostile-$round.log" && break; sleep 0.1; done
    s0=$(mono_ms); d0=$(cpu_ticks "$coord")
    sleep "$SETTLE_S"
    s1=$(mono_ms); d1=$(cpu_ticks "$coord")
    rss_flood=$(rss_kb "$coord")
    t0=$(mono_ms); c0=$(cpu_ticks "$coord")
    nodes_line=$("$nodes_tool" --port "$port" --key "$work/rig.key" --nodes "$NODES" --lead-ms "$LEAD_MS" --timeout-s "$TIMEOUT_S" 2>&1 | tail -1) || true
    t1=$(mono_ms); c1=$(cpu_ticks "$coord")
    rss_end=$(rss_kb "$coord")
    share() { awk -v c="$1" -v hz="$hz" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0) ? (100 * c / hz / (ms / 1000)) : 0 }'; }
    cpu_flood=$(share $((d1 - d0)) $((s1 - s0)))
    cpu=$(share $((c1 - c0)) $((t1 - t0)))
    hostile_line=$(grep "hostile_open=" "$work/hostile-$round.log" | head -1 || true)
    acked="no"
    grep -q "all cameras acknowledged START before T0" "$work/coordinator-$round.log" && acked="yes"
    # The coordinator's START→ACK line, its figures in ms ("p50 1.234 ms, p99 …, max …").
    ack_line=$(grep -o "START→ACK of .*" "$work/coordinator-$round.log" | head -1 || true)
    ack_ms=$(sed -n 's/.*: p50 \(.*\), p99 \(.*\), max \(.*\)$/\1\n\2\n\3/p' <<<"$ack_line" | awk '
        { v = $1; u = $2; f = (u == "s") ? 1000 : (u == "ms") ? 1 : (u == "µs") ? 0.001 : 0.000001; printf "%s%.2f", (NR > 1 ? " " : ""), v * f }')
    if [[ $ack_line == "START→ACK of $NODES cameras,"* && -n $ack_ms ]]; then
        read -r ack_p50 ack_p99 ack_max <<<"$ack_ms"
        ack_text="START→ACK (coordinator, monotonic) p50 ${ack_p50} ms, p99 ${ack_p99} ms, max ${ack_max} ms"
        echo "$ack_p99" >>"$ack_samples"
    else
        ack_text="START→ACK unmeasured (${ack_line:-no START→ACK line in the coordinator log})"
    fi
    echo "round $round: coordinator RSS ${rss_idle} kB idle, ${rss_flood} kB with the flood, ${rss_end} kB at the end;" \
        "CPU ${cpu_flood}% of a core with only the flood open (${SETTLE_S} s), ${cpu}% while the nodes connected and got START ($((t1 - t0)) ms); ${hostile_line:-hostile connections: none reported}; $ack_text; $nodes_line; every ACK before T0 (< ${LEAD_MS} ms): $acked"
    if [[ $nodes_line =~ start_delivery_p50_ms ]]; then
        # Per-node samples are not printed by the tool; pool the per-round p99s instead.
        echo "$nodes_line" | tr ' ' '\n' | awk -F= '$1 == "start_delivery_p99_ms" {print $2}' >>"$all_samples"
    fi
    kill -INT "$coord" 2>/dev/null || true
    kill "$hostile" 2>/dev/null || true
    wait "$hostile" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$coord" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$coord" 2>/dev/null || true
    wait "$coord" 2>/dev/null || true
    rejected=$(grep -c "rejected connection" "$work/coordinator-$round.log" || true)
    echo "  coordinator log: $(wc -l <"$work/coordinator-$round.log") lines, $rejected of them rejected connections"
done
measured=$(wc -l <"$ack_samples")
if [[ $measured -eq $ROUNDS ]]; then
    echo "START→ACK p99 over $ROUNDS rounds (goal < 50 ms): worst $(sort -g "$ack_samples" | tail -1) ms, best $(sort -g "$ack_samples" | head -1) ms"
else
    echo "START→ACK: unmeasured in $((ROUNDS - measured)) of $ROUNDS rounds (not every node acknowledged START); see the round lines"
fi
measured=$(wc -l <"$all_samples")
if [[ $measured -eq $ROUNDS ]]; then
    echo "START delivery p99 over $ROUNDS rounds: worst $(sort -g "$all_samples" | tail -1) ms, best $(sort -g "$all_samples" | head -1) ms"
else
    echo "START delivery: unmeasured in $((ROUNDS - measured)) of $ROUNDS rounds (not every node got START); see the round lines"
fi
