#!/usr/bin/env bash
# Every test: static checks, unit tests, integration tests against labs of their own (started and
# stopped by the tests, on other ports than the main job's lab), then the molecule scenarios.
#   scripts/test.sh [pytest args]   # with args: only those tests, after the static checks
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/bootstrap.sh"
. "$here/env.sh"
cd "$top"
"$here/static-checks.sh"
if [ $# -gt 0 ]; then
  exec python -m pytest -p no:cacheprovider -ra --durations=25 "$@"
fi
# The molecule scenarios come last: they build images and take minutes.
rc=0
python -m pytest -p no:cacheprovider -ra --durations=25 --ignore=tests/molecule tests || rc=$?
python -m pytest -p no:cacheprovider -ra --durations=0 tests/molecule || rc=$?
exit $rc
