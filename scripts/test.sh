#!/usr/bin/env bash
# Every test: static checks, unit tests, then integration tests against a lab of their own
# (started and stopped by the tests, on other ports than the main job's lab).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/bootstrap.sh"
. "$here/env.sh"
cd "$top"
"$here/static-checks.sh"
python -m pytest -p no:cacheprovider -ra --durations=25 "$@" tests
