#!/usr/bin/env bash
# Builds the Raspberry Pi fork of libcamera (the one Raspberry Pi OS ships) from the vendored
# source tarball into .build-libcamera-fork/, so the libcamera backend can be compiled and tested
# against the libcamera a Pi runs on a machine whose distribution ships only libcamera 0.0.3.
#
# Only the virtual pipeline handler is built (no IPA modules, no apps): it lists cameras described
# in share/libcamera/pipeline/virtual/virtual.yaml under the prefix and completes requests with a
# test pattern and a SensorTimestamp. The build is done once and reused while the tarball (and this
# script) are unchanged. A user never needs this: it is for tests.
#
# Usage: scripts/libcamera-fork.sh [VENDOR_DIR]
#   prints the install prefix on the last line of stdout; exits 3 (printing why) when the tarball
#   is not there, so callers can say they skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
vendor=${1:-${GENLOCK_VENDOR:-$root/../shared/vendor}}
tarball=$(ls "$vendor"/libcamera-*.tar.xz 2>/dev/null | sort | tail -n 1 || true)
if [ -z "$tarball" ]; then
  echo "libcamera fork: no libcamera-*.tar.xz in $vendor; nothing to build" >&2
  exit 3
fi

work=$root/.build-libcamera-fork
prefix=$work/prefix
# The stamp names the tarball's content and this script's, so either changing rebuilds.
stamp_want="$(sha256sum "$tarball" | cut -d' ' -f1) $(sha256sum "$0" | cut -d' ' -f1)"
if [ -f "$work/stamp" ] && [ "$(cat "$work/stamp")" = "$stamp_want" ] && [ -f "$prefix/lib/pkgconfig/libcamera.pc" ]; then
  echo "libcamera fork: reusing $prefix ($(basename "$tarball"))" >&2
  echo "$prefix"
  exit 0
fi

echo "libcamera fork: building $(basename "$tarball") into $prefix" >&2
# Debian's build dependencies of libcamera's core (udev: the camera manager does not start
# without a device enumerator; libyuv: the virtual pipeline scales its test images).
deb="libyaml-dev libudev-dev libyuv-dev libjpeg-dev libssl-dev pkg-config g++"
missing=""
for p in $deb; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "libcamera fork: installing Debian packages:$missing" >&2
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2
fi

rm -rf "$work"
mkdir -p "$work/src"
# meson and ninja from PyPI (Debian 12's meson is older than libcamera 0.7 needs), with the
# Python modules libcamera's code generators import.
python3 -m venv "$work/venv" >&2
"$work/venv/bin/pip" install -q meson ninja ply pyyaml jinja2 >&2
export PATH="$work/venv/bin:$PATH"

tar -xf "$tarball" -C "$work/src" --strip-components=1
# libcamera names its version with `git describe` when its source is in a git tree; this one is not
# (an archive), but it sits inside ours: keep git from finding ours, so the version is the tag's.
export GIT_CEILING_DIRECTORIES="$work"
# werror off: GCC 12 at -O3 reports a false -Wrestrict in libcamera's apps helper library.
meson setup "$work/build" "$work/src" --prefix="$prefix" --libdir=lib --buildtype=release --wrap-mode=nodownload \
  -Dpipelines=virtual -Dipas= -Dudev=enabled -Dcam=disabled -Dqcam=disabled -Dgstreamer=disabled -Dv4l2=false \
  -Dpycamera=disabled -Dlc-compliance=disabled -Ddocumentation=disabled -Dtest=false -Dtracing=disabled \
  -Dwerror=false >&2
ninja -C "$work/build" install >&2
mkdir -p "$prefix/share/libcamera/pipeline/virtual"
echo "$stamp_want" > "$work/stamp"
echo "libcamera fork: installed $(basename "$tarball") into $prefix" >&2
echo "$prefix"
