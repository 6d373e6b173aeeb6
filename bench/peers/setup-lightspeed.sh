#!/usr/bin/env bash
# Creates bench/.venv-lightspeed with lightspeed-stack, the peer relay the relay benchmark compares against.
# It has a virtualenv of its own: its dependency tree (ogx, litellm, pydantic-ai, ...) conflicts with ours.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/bench/.venv-lightspeed"
stamp="$venv/.installed"
[ -f "$stamp" ] && [ "$stamp" -nt "$here/lightspeed-requirements.txt" ] && exit 0
pybin=$("$root/scripts/find-python.sh")
[ -x "$venv/bin/python" ] || "$pybin" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --prefer-binary -r "$here/lightspeed-requirements.txt"
touch "$stamp"
# lightspeed-stack 0.3.0-0.7.1 on PyPI ship neither in the wheel nor in the sdist the top-level modules its
# app imports (lightspeed_stack, configuration, log, constants, client, version), so it cannot start.
# Say so plainly; bench/relay_overhead.py checks the same thing and leaves the peer column empty.
"$venv/bin/python" -c 'import configuration, log, lightspeed_stack' 2>/dev/null ||
  echo "note: lightspeed-stack from PyPI lacks its top-level modules (configuration, log, lightspeed_stack); the peer relay cannot run" >&2
