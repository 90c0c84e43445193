#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. Debug build under AddressSanitizer + UndefinedBehaviorSanitizer, every test;
#   2. Release build with -Werror, every test, plus a smoke run of the benchmarks;
#   3. ThreadSanitizer build, the tests labelled 'tsan';
#   4. libFuzzer harnesses built with clang and run briefly on their seeds.
# Build trees go to $TSHM_TEST_BUILD (default: build-test/ in the checkout).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TSHM_TEST_BUILD:-$root/build-test}
jobs=$(nproc)
fuzz_secs=${TSHM_FUZZ_SECONDS:-30}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

step() { printf '\n=== %s\n' "$*"; }
configure() { # dir, extra args...
	local dir=$1
	shift
	cmake -S "$root" -B "$out/$dir" -DTSHM_WERROR=ON "$@" >"$out/$dir.configure.log" ||
		{ cat "$out/$dir.configure.log"; return 1; }
	cmake --build "$out/$dir" -j"$jobs" >"$out/$dir.build.log" 2>&1 ||
		{ tail -n 60 "$out/$dir.build.log"; return 1; }
}
mkdir -p "$out"

step "Debug + ASan/UBSan: all tests"
configure asan -DCMAKE_BUILD_TYPE=Debug -DTSHM_SANITIZE=address,undefined
ctest --test-dir "$out/asan" --output-on-failure -j"$jobs"

step "Release -Werror: all tests"
configure release -DCMAKE_BUILD_TYPE=Release
ctest --test-dir "$out/release" --output-on-failure -j"$jobs"
step "Release: benchmark smoke run (figures are not checked here)"
for spec in "attach --small --reps 200" "ring --quick" "load --small" "pipeline --small"; do
	read -r name args <<<"$spec"
	log="$out/perf_$name.log"
	bin="$out/release/perf/tshm_perf_$name"
	# perf/CMakeLists.txt skips a benchmark whose baseline is missing (libck).
	[ -x "$bin" ] || { echo "tshm_perf_$name: not built, skipped"; continue; }
	# shellcheck disable=SC2086 # args: the options, split on purpose
	"$bin" $args >"$log" 2>&1 || { cat "$log"; exit 1; }
	tail -n 1 "$log" | cut -c1-160
done

step "ThreadSanitizer: tests labelled tsan"
configure tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSHM_SANITIZE=thread -DTSHM_BUILD_PERF=OFF
ctest --test-dir "$out/tsan" --output-on-failure -L tsan -j"$jobs"

if command -v clang >/dev/null 2>&1; then
	step "libFuzzer: ${fuzz_secs}s per harness"
	CC=clang configure fuzz -DCMAKE_BUILD_TYPE=Debug -DTSHM_BUILD_FUZZ=ON -DBUILD_SHARED_LIBS=OFF \
		-DTSHM_SANITIZE=address,undefined -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link \
		-DTSHM_BUILD_PERF=OFF -DTSHM_BUILD_TOOLS=OFF -DTSHM_FUZZ_SECONDS="$fuzz_secs"
	ctest --test-dir "$out/fuzz" --output-on-failure -L fuzz
else
	step "libFuzzer: skipped (clang not installed)"
fi
step "all test stages passed"
