#!/usr/bin/env bash
# One HIL skew measurement on the physical rig (see hil/README.md): checks PTP on every node,
# starts the camera nodes and the coordinator, flashes the LED at PTP instants while they
# record, collects the session (recordings + flashes.csv) and runs the analyzer.
#
# Run from a machine that can ssh (key-based, no prompts) into every node. Every node has
# `genlock` on PATH and the rig key. Settings come from the environment:
#
#   CAMERAS="cam1 cam2 cam3"   ssh hosts of the camera nodes (also their camera names)
#   COORDINATOR=pi-coord       ssh host running `genlock coordinator`; RIG is its rig file
#   COORDINATOR_ADDR=10.0.0.1:7400  the rig file's `listen` address, as the cameras reach it
#   LED_NODE=pi-led            ssh host of the PTP-synced Pi driving the LED (may be a camera node)
#   RIG=rig.yaml KEY=rig.key   paths on the coordinator / camera nodes
#   FLASH_ARGS="--chip gpiochip0 --line 17 --width 200us --period 1013ms --count 60"
#                              (a period that is not a whole number of frames: see the README)
#   FLASH_DELAY=8s             first flash this long after `genlock hil flash` starts on the LED
#                              node (ssh start-up included): keep it well above the coordinator's
#                              lead, or the first flashes fall before T0 and are simply not recorded
#   SENSOR=imx708             the cameras' sensor model: `genlock hil flash --sensor` writes the
#                              session's sensors.csv (line time of the mode) from it, so the
#                              analyzer checks its fitted line time against the sensor's; empty:
#                              no sensors.csv (the line time is then fitted only)
#   DURATION=75s               STOP this long after T0 (longer than the flashes)
#   CAMERA_ARGS=--synthetic    until the libcamera backend lands, cameras are synthetic
#   SESSION=hil-<UTC time>     session folder name, the same on every node
#   OUT=recordings             where the session is collected locally
#   ANALYZE_ARGS=""            extra options for `genlock hil analyze` (e.g. --roi x,y,w,h)
#   PRINT_ONLY=1               print the commands instead of running them
set -euo pipefail

: "${CAMERAS:?set CAMERAS to the camera nodes (ssh hosts, space-separated)}"
: "${COORDINATOR:?set COORDINATOR to the coordinator's ssh host}"
: "${COORDINATOR_ADDR:?set COORDINATOR_ADDR to the coordinator's HOST:PORT as cameras reach it}"
: "${LED_NODE:?set LED_NODE to the ssh host of the Pi driving the LED}"
RIG=${RIG:-rig.yaml}
KEY=${KEY:-rig.key}
FLASH_ARGS=${FLASH_ARGS:---chip gpiochip0 --line 17 --width 200us --period 1013ms --count 60}
FLASH_DELAY=${FLASH_DELAY:-8s}
DURATION=${DURATION:-75s}
SENSOR=${SENSOR-imx708}
CAMERA_ARGS=${CAMERA_ARGS:---synthetic}
SESSION=${SESSION:-hil-$(date -u +%Y%m%d-%H%M%S)}
OUT=${OUT:-recordings}
ANALYZE_ARGS=${ANALYZE_ARGS:-}
REMOTE_DIR=genlock-hil   # relative to each node's home

run() {
    if [[ -n "${PRINT_ONLY:-}" ]]; then printf '%q ' "$@"; echo; else "$@"; fi
}
on() { local host=$1; shift; run ssh -o BatchMode=yes "$host" "$*"; }
say() { echo "hil: $*" >&2; }

nodes=$(printf '%s\n' $CAMERAS "$COORDINATOR" "$LED_NODE" | sort -u)

say "1/5 PTP: every node must be locked (|offset| < 1 µs) before anything starts"
for node in $nodes; do
    on "$node" genlock ptp wait --max-offset 1us --timeout 60s || { say "$node is not PTP-locked; fix PTP first (genlock ptp status)"; exit 1; }
done

say "2/5 recording: cameras under the coordinator, session $SESSION"
pids=()
for cam in $CAMERAS; do
    on "$cam" "mkdir -p $REMOTE_DIR && cd $REMOTE_DIR && genlock camera $CAMERA_ARGS --name $cam --coordinator $COORDINATOR_ADDR --key $KEY --out recordings --session $SESSION > $cam.log 2>&1" &
    pids+=($!)
done
on "$COORDINATOR" genlock coordinator --config "$RIG" --duration "$DURATION" &
coordinator=$!

SENSOR_ARGS=""
if [[ -n "$SENSOR" ]]; then
    for cam in $CAMERAS; do SENSOR_ARGS+=" --sensor $cam=$SENSOR"; done
    SENSOR_ARGS+=" --sensors-out sensors-$SESSION.csv"
fi

say "3/5 flashes on $LED_NODE ($FLASH_ARGS), first in $FLASH_DELAY"
# `genlock hil flash` fails at once, naming the chip or line, if the LED cannot be driven.
if ! on "$LED_NODE" "mkdir -p $REMOTE_DIR && cd $REMOTE_DIR && genlock hil flash $FLASH_ARGS$SENSOR_ARGS --start-in $FLASH_DELAY --out flashes-$SESSION.csv"; then
    say "flashing failed; stopping the recording"
    on "$COORDINATOR" genlock coordinator stop --config "$RIG" || true
fi
wait "$coordinator" || say "the coordinator exited with an error"
for pid in "${pids[@]}"; do wait "$pid" || say "a camera node exited with an error (see its log)"; done

say "4/5 collecting into $OUT/$SESSION"
run mkdir -p "$OUT/$SESSION/logs"
for cam in $CAMERAS; do
    run scp -q -o BatchMode=yes "$cam:$REMOTE_DIR/recordings/$SESSION/*" "$OUT/$SESSION/"
    run scp -q -o BatchMode=yes "$cam:$REMOTE_DIR/$cam.log" "$OUT/$SESSION/logs/"
done
run scp -q -o BatchMode=yes "$LED_NODE:$REMOTE_DIR/flashes-$SESSION.csv" "$OUT/$SESSION/flashes.csv"
[[ -z "$SENSOR" ]] || run scp -q -o BatchMode=yes "$LED_NODE:$REMOTE_DIR/sensors-$SESSION.csv" "$OUT/$SESSION/sensors.csv"
[[ -n "${PRINT_ONLY:-}" ]] || echo "genlock hil flash $FLASH_ARGS$SENSOR_ARGS --start-in $FLASH_DELAY  # on $LED_NODE" > "$OUT/$SESSION/flash-command.txt"

say "5/5 analysis"
# shellcheck disable=SC2086  # ANALYZE_ARGS is a list of options
run genlock hil analyze "$OUT/$SESSION" $ANALYZE_ARGS --json "$OUT/$SESSION/skew.json" --report "$OUT/$SESSION/report.html"
say "report: $OUT/$SESSION/report.html"
