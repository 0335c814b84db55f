# Thin wrapper over CMake. `make` builds build/firewatch; `make test` runs setup,
# builds, and runs every test twice: a normal build and an ASan+UBSan build.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
# ccache hits across checkouts: CI builds a fresh clone in another folder, so
# paths are hashed relative to the tree and the working directory is not.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all build setup test check test-asan demo bench fuzz format clean

all: build

setup:
	@bash scripts/setup

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Fast loop for developers: normal build and its tests only.
check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFW_SANITIZE=ON $(CMAKE_FLAGS)

test-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -LE slow

test: setup
	$(MAKE) check
	$(MAKE) test-asan

# The binary alone (no tests, no debug info, a unity build; -O2 as the tested builds, since
# g++ 12's -O3 warns falsely in <string>), with only the packages it needs:
# a fresh machine's first minutes. The tests build in $(BUILD) with `make test`.
DEMO_BUILD ?= build-demo
demo:
	@bash scripts/setup --demo
	cmake -S . -B $(DEMO_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DFW_TESTS=OFF -DCMAKE_UNITY_BUILD=ON $(CMAKE_FLAGS)
	cmake --build $(DEMO_BUILD) --target firewatch -j $(JOBS)
	./$(DEMO_BUILD)/firewatch demo

bench: setup build
	bash bench/run.sh

# Coverage-guided fuzzing of every parser with AFL++ (clang 14 cannot build the
# project's std::expected, so libFuzzer is out; afl-g++ instruments GCC's build),
# FUZZ_SECONDS per target, seeded with tests/fuzz/corpus/<target>. Crashes land
# in build-fuzz/findings/<target>/default/crashes. `make test` runs the same
# targets for a few seconds each (fuzz_replay_test, label fuzz).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= alert_template alertmanager exposition http_parser insights json pagerduty \
  promql remote_write runbook_template scenario yaml_config
fuzz: setup
	CC=afl-gcc CXX=afl-g++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFW_FUZZ=ON -DCMAKE_CXX_COMPILER_LAUNCHER=
	AFL_QUIET=1 cmake --build build-fuzz -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	@mkdir -p build-fuzz/findings; total=0; for t in $(FUZZ_TARGETS); do \
	  AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	    afl-fuzz -i tests/fuzz/corpus/$$t -o build-fuzz/findings/$$t -V $(FUZZ_SECONDS) -t 2000 \
	    -- build-fuzz/tests/fuzz/$${t}_fuzz @@ > build-fuzz/findings-$$t.log 2>&1 || true; \
	  n=$$(ls build-fuzz/findings/$$t/default/crashes 2>/dev/null | grep -vc README || true); \
	  execs=$$(sed -n 's/^execs_done *: *//p' build-fuzz/findings/$$t/default/fuzzer_stats 2>/dev/null); \
	  if [ -z "$$execs" ]; then echo "fuzz $$t: did not run, see build-fuzz/findings-$$t.log"; n=1; \
	  else echo "fuzz $$t: $$execs executions, $$n crashing input(s)"; fi; total=$$((total + n)); \
	done; echo "fuzz: $$total crashing input(s) or failed run(s)"; test "$$total" = 0

format:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(DEMO_BUILD)
