# fluoro - top-level commands. `make run` builds and starts fluoro with demo data; `make test`
# runs every test. Both install what they need on Debian (scripts/deps.sh) when it is missing.
BUILD := build
FLUORO := $(BUILD)/fluoro
ASAN_FLUORO := $(BUILD)/asan/fluoro

.PHONY: all build asan deps deps-build run test unit unit-asan integration integration-asan \
	web-test compose-check fuzz fuzz-smoke format check-format clean

all: build

deps-build:
	@scripts/deps.sh build

deps:
	@scripts/deps.sh all

build: deps-build
	$(MAKE) -C emulator release

asan: deps-build
	$(MAKE) -C emulator asan

run: build
	./$(FLUORO) serve --demo

unit: deps-build
	$(MAKE) -C emulator unit
	cd emulator && ../$(BUILD)/unit --jobs 2

unit-asan: deps-build
	$(MAKE) -C emulator unit-asan
	cd emulator && ASAN_OPTIONS=detect_leaks=1 ../$(BUILD)/asan/unit --jobs 2

integration: deps build
	cd sdk-tests && FLUORO_BIN=$(CURDIR)/$(FLUORO) ./run.sh

integration-asan: deps asan
	cd sdk-tests && FLUORO_BIN=$(CURDIR)/$(ASAN_FLUORO) FLUORO_SANITIZED=1 ./run.sh

web-test: deps build
	cd web && FLUORO_BIN=$(CURDIR)/$(FLUORO) ./run-tests.sh

compose-check: deps
	scripts/check-compose.sh

# libFuzzer harnesses for every parser (docs/fuzzing.md): `make fuzz` runs each FUZZ_SECONDS
# (default 60), `make fuzz-smoke` each for 10 seconds as part of `make test`.
FUZZ_SECONDS ?= 60
fuzz: deps-build
	$(MAKE) -C emulator fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-smoke: deps-build
	$(MAKE) -C emulator fuzz-smoke

check-format: deps-build
	$(MAKE) -C emulator check-format

test: deps check-format unit unit-asan fuzz-smoke integration integration-asan web-test compose-check
	@echo "make test: all suites passed"

format:
	$(MAKE) -C emulator format

clean:
	rm -rf $(BUILD)
