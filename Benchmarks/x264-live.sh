#!/usr/bin/env bash
# x264's live settings, measured (issue 15: "keep x264's settings for live streaming configurable
# and measured"). The recorder's own encoder (VideoFileWriter through `genlock encode-bench`, the
# same code a camera records with) is fed the synthetic camera's moving pattern, 1280x720, at
# 30 fps in real time (frames rendered before the clock starts), under each setting. Prints per
# setting: CPU per frame (every thread of the process, so x264's threads count; and as % of one
# core at 30 fps), bitrate, and encode latency per frame (frame submitted -> its packet out of
# the encoder, p50/p99/max). B-frames are off in every case (the recorder's max_b_frames = 0).
#
# SETTINGS: "preset:tune:gop ..." (tune "none" for no tune); FRAMES=300; CONFIG=release|debug;
# GENLOCK=path to a built genlock.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CONFIG=${CONFIG:-release}
FRAMES=${FRAMES:-300}
SETTINGS=${SETTINGS:-"ultrafast:zerolatency:30 ultrafast:zerolatency:300 veryfast:zerolatency:30 veryfast:none:30"}
if [[ -z ${GENLOCK:-} ]]; then
    (cd "$root" && swift build -c "$CONFIG" --product genlock >&2)
    GENLOCK="$root/.build/$CONFIG/genlock"
fi
work=$(mktemp -d /tmp/genlock-x264-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); genlock $CONFIG build; $FRAMES frames 1280x720 at 30 fps"
for setting in $SETTINGS; do
    IFS=: read -r preset tune gop <<<"$setting"
    "$GENLOCK" encode-bench --size 1280x720 --fps 30 --frames "$FRAMES" --preset "$preset" --tune "$tune" \
        --keyframe-interval "$gop" --out "$work/$preset-$tune-$gop.mkv"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
