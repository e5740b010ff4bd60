#!/usr/bin/env bash
# Builds the package against the Raspberry Pi fork of libcamera (the one Raspberry Pi OS ships,
# from the vendored tarball: scripts/libcamera-fork.sh) in its own build folder, and runs the
# libcamera backend's tests on real frames from the fork's virtual pipeline handler.
#
# Debian 12's libcamera is 0.0.3, which `make test` builds and tests against first; this proves
# the shim compiles against 0.7 too and streams, configures and records through it. Without the
# tarball (a user's machine) it says it skipped and why, and succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
prefix=$(scripts/libcamera-fork.sh | tail -n 1) || status=$?
if [ "$status" = 3 ]; then
  echo "libcamera fork tests: skipped (the vendored libcamera tarball is not here; only tests need it)"
  exit 0
elif [ "$status" != 0 ]; then
  echo "libcamera fork tests: building the fork failed" >&2
  exit "$status"
fi

scratch=.build-libcamera-fork/swift
# The linker searches every -L folder for every -l, in command-line order, and Debian's FFmpeg and
# libgpiod .pc files name the system's library folder (-L/usr/lib/<arch>), where Debian's
# libcamera 0.0.3 also lives, before the fork's. So this build reads copies of the system's .pc
# files without that -L (the folder is the linker's default anyway): only the fork's is named.
overrides=.build-libcamera-fork/pkgconfig-system
rm -rf "$overrides" && mkdir -p "$overrides"
for pc in /usr/lib/*/pkgconfig/*.pc /usr/share/pkgconfig/*.pc; do
  [ -f "$pc" ] && sed -e 's/-L${libdir}//g' "$pc" > "$overrides/$(basename "$pc")"
done
rm -f "$overrides/libcamera.pc" "$overrides/libcamera-base.pc"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$PWD/$overrides"
echo "libcamera fork tests: building against libcamera $(pkg-config --modversion libcamera) in $scratch"
linker=(-Xlinker -rpath -Xlinker "$prefix/lib")
swift build --scratch-path "$scratch" --build-tests "${linker[@]}"
# libcamera reads its virtual cameras from the prefix's data folder; the tests write them there.
LD_LIBRARY_PATH="$prefix/lib" \
GENLOCK_LIBCAMERA_VIRTUAL_YAML="$prefix/share/libcamera/pipeline/virtual/virtual.yaml" \
LIBCAMERA_LOG_LEVELS='*:ERROR' \
  swift test --scratch-path "$scratch" --skip-build "${linker[@]}" --filter 'GenlockLibcameraTests|LibcameraVirtualCLITests'
