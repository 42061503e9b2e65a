#!/usr/bin/env bash
# Run the OGC API - Features Part 1 Core conformance tests of the PyPI package `ogctests`
# against a live server, from a virtual environment of their own (.venv-ogctests, created on
# first use; its pinned dependencies - geopandas, httpx 0.27 - stay out of the project's venv).
#
#   scripts/ogctests.sh URL [JUNIT_XML]     e.g. scripts/ogctests.sh http://127.0.0.1:8000/ogc
#
# Exit status: that of the test run (0 = every test passed); 3 when ogctests cannot be
# installed (the message on stderr names the cause).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${OGCTESTS_VENV:-$ROOT/.venv-ogctests}"
VERSION="0.1.15"
URL="${1:?usage: scripts/ogctests.sh URL [JUNIT_XML]}"
JUNIT="${2:-}"

installed() {
  [ -x "$VENV/bin/python" ] &&
    [ "$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("ogctests"))' 2>/dev/null)" = "$VERSION" ]
}
if ! installed; then
  if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q "ogctests==$VERSION"; } >&2; then
    echo "ogctests.sh: could not install ogctests==$VERSION into $VENV" >&2
    exit 3
  fi
fi
PKG="$("$VENV/bin/python" -c 'import ogctests, os; print(os.path.dirname(ogctests.__file__))')"
# The package's own entry point ignores pytest's exit status; run_ogctests returns it.
# rootdir and confcutdir are the package, so neither this repo's pytest configuration nor
# its conftest files reach the suite.
exec "$VENV/bin/python" - "$URL" "$PKG" "$JUNIT" <<'PY'
import sys

from ogctests.main import run_ogctests

url, pkg, junit = sys.argv[1:4]
flags = ["-q", "-rA", "--tb=short", "-p", "no:cacheprovider", f"--rootdir={pkg}",
         f"--confcutdir={pkg}"]
if junit:
    flags.append(f"--junitxml={junit}")
sys.exit(run_ogctests("features/core", url, flags))
PY
