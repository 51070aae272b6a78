#!/usr/bin/env bash
# `make test`'s runner: build every test binary of the workspace (release), run them one after
# another from their package's folder (as `cargo test` does), then the doc tests, and print how
# long each took, so the CI budget (45 minutes on 2 cores) stays visible. Extra arguments go to
# every test binary (e.g. --show-output). Exits non-zero if any binary failed, after running all.
set -uo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
list=$(mktemp)
trap 'rm -f "$list"' EXIT

build_start=$SECONDS
# One line per test binary: the executable, its package's folder, a name for the table.
if ! $CARGO test --workspace --release --no-run --message-format=json 2>/dev/null |
  python3 -c '
import json, os, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-artifact" or not m.get("profile", {}).get("test"):
        continue
    exe = m.get("executable")
    if not exe:
        continue
    pkg = os.path.dirname(m["manifest_path"])
    name = os.path.basename(pkg) + "/" + m["target"]["name"] + " (" + m["target"]["kind"][0] + ")"
    print(exe + "\t" + pkg + "\t" + name)
' >"$list"; then
  echo "building the tests failed; cargo's own output:" >&2
  $CARGO test --workspace --release --no-run >&2
  exit 1
fi
if [ ! -s "$list" ]; then
  echo "no test binaries were built" >&2
  $CARGO test --workspace --release --no-run >&2
  exit 1
fi
build_s=$((SECONDS - build_start))

declare -a rows
failed=0
while IFS=$'\t' read -r exe pkg name; do
  start=$SECONDS
  if (cd "$pkg" && "$exe" "$@"); then status=ok; else status=FAILED; failed=1; fi
  rows+=("$(printf '%6d s  %-7s %s' $((SECONDS - start)) "$status" "$name")")
done <"$list"

# The simulator's crate has no examples in its docs, and building its library for doc tests
# alone (another feature set than the test build's) would verilate every model again: ~3 minutes.
start=$SECONDS
if $CARGO test --workspace --exclude vantage-sim --release --doc -q; then status=ok; else status=FAILED; failed=1; fi
rows+=("$(printf '%6d s  %-7s %s' $((SECONDS - start)) "$status" "doc tests")")

echo
echo "time per test binary (release build of the tests: ${build_s} s)"
printf '%s\n' "${rows[@]}" | sort -rn
total=0
for r in "${rows[@]}"; do total=$((total + ${r%% s*})); done
echo "total: $((total + build_s)) s"
exit $failed
