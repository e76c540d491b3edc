#!/usr/bin/env bash
# Regenerate the lock files from pyproject.toml (run it after changing a dependency there):
#   requirements-test.lock  runtime and test dependencies: dev.py (so .ci/run) installs it
#   requirements.lock       runtime only, at the same versions: deploy/Dockerfile installs it
# Pins with hashes for every platform and Python >= 3.11 (uv's universal resolution), so pip
# installs them anywhere in hash-checking mode. Pins already in the files are kept; pass
# --upgrade to move them all to the newest releases, or --upgrade-package NAME for one.
# Needs uv (pip install uv).
set -euo pipefail
cd "$(dirname "$0")/.."
compile=(uv pip compile --quiet --universal --python-version 3.11 --generate-hashes
         --custom-compile-command deploy/lock.sh)
"${compile[@]}" "$@" pyproject.toml --extra test -o requirements-test.lock
"${compile[@]}" pyproject.toml -c requirements-test.lock -o requirements.lock
