#!/usr/bin/env bash
# Fail when any tracked C source or header is not clang-formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "format-check: $f is not clang-formatted (run: clang-format -i $f)"
		bad=1
	fi
done < <(git ls-files '*.c' '*.h')
exit $bad
