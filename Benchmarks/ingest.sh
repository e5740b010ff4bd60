#!/usr/bin/env bash
# The ingest under N camera streams (issue 15's benchmark): one real `genlock ingest` on loopback
# receives N 1280x720 30 fps x264 streams replayed from one pre-encoded file (`genlock
# ingest-replay`, the production StreamClient, no encoders: the server is what is measured).
# One camera's link is cut for 10 s mid-run (its live rows dropped) and back-filled when the
# ingest asks. Prints per N: ingest CPU per stream (% of one core; goal <= 2 %), frameset latency
# p50/p99/max (last row received -> frameset handed to a consumer; goal p99 < 5 ms), rows the
# ingest lacks at the end (goal 0), and the back-fill rate.
#
# N=8,32,64 by default (NS="8 32"); DURATION=30s; CONFIG=debug|release (default debug: a release
# build of the whole package takes most of an hour on the shared 2-core VM); GENLOCK=path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CONFIG=${CONFIG:-debug}
NS=${NS:-"8 32 64"}
DURATION=${DURATION:-30s}
if [[ -z ${GENLOCK:-} ]]; then
    (cd "$root" && swift build -c "$CONFIG" --product genlock >&2)
    GENLOCK="$root/.build/$CONFIG/genlock"
fi
work=$(mktemp -d /tmp/genlock-ingest-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=30 -t 10 -c:v libx264 -preset ultrafast -tune zerolatency \
    -g 30 -pix_fmt yuv420p "$work/source.mkv"
"$GENLOCK" keygen --out "$work/rig.key" >/dev/null
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); genlock $CONFIG build; source $(stat -c %s "$work/source.mkv") bytes (300 frames 1280x720 x264 ultrafast/zerolatency, GOP 30)"
port=7950
for n in $NS; do
    port=$((port + 1))
    cams=$(seq -s, 1 "$n" | sed 's/[0-9]\+/cam&/g')
    printf 'cameras: [%s]\nfps: 30\nkey: rig.key\ningest: 127.0.0.1:%s\nsessions: sessions-%s\n' "$cams" "$port" "$n" > "$work/rig-$n.yaml"
    "$GENLOCK" ingest --config "$work/rig-$n.yaml" --stats > "$work/ingest-$n.log" 2>&1 &
    ingest=$!
    for _ in $(seq 1 100); do grep -q "ingest listening" "$work/ingest-$n.log" && break; sleep 0.1; done
    t0=$(date +%s%N); c0=$(cpu_ticks "$ingest")
    replay=$("$GENLOCK" ingest-replay --to "127.0.0.1:$port" --key "$work/rig.key" --source "$work/source.mkv" --cameras "$n" \
        --duration "$DURATION" --session bench --cut-after 5s --cut-for 10s --cut-cameras 1 2>&1 | tail -1) || true
    c1=$(cpu_ticks "$ingest"); t1=$(date +%s%N)
    wait "$ingest" || true
    cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) -v n="$n" 'BEGIN { printf "%.2f", 100 * c / hz / (ns / 1e9) / n }')
    stats=$(grep "stats: framesets" "$work/ingest-$n.log" | sed 's/.*stats: //')
    backfill=$(grep "stats: backfill" "$work/ingest-$n.log" | sed 's/.*stats: backfill //' | tr '\n' ' ')
    lacking=$(grep -c "still lacking" "$work/ingest-$n.log" || true)
    echo "N=$n: ingest CPU per stream ${cpu} % of a core (over the run, incl. start and back-fill); $stats; cameras still lacking rows: $lacking; back-fill: ${backfill:-none}; $replay"
done
