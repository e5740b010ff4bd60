# Genlock build helper. `make demo` runs the main job, `make test` the whole test suite.
# Both install the Debian packages the project needs when they are missing, then build.

DEB_PACKAGES := libcamera-dev libavformat-dev libavcodec-dev libswscale-dev libgpiod-dev \
                linuxptp rt-tests ffmpeg iproute2 pkg-config g++ chromium curl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build release test demo bench clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build

release: deps
	swift build -c release

# The suite against Debian's libcamera, then the libcamera backend against the Raspberry Pi fork
# built from the vendored tarball (skipped, saying why, where the tarball is not).
test: deps
	swift build --build-tests
	swift test --skip-build
	scripts/test-libcamera-fork.sh

demo: release
	.build/release/genlock rig --cameras 3 --fps 30 --duration 10s --out recordings/

# Timer wake error: Genlock's timers against cyclictest, then the ordo-one TimerWake benchmark
# (Benchmarks/ is a separate package; see Benchmarks/README.md).
bench: deps
	Benchmarks/timers-vs-cyclictest.sh
	swift package --package-path Benchmarks benchmark

clean:
	rm -rf .build .build-libcamera-fork
