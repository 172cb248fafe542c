#!/usr/bin/env bash
# Everything the tests need, on a fresh Debian machine, then the tests themselves:
#   Debian packages (docker.io for a private engine, busybox-static for stand-in images, graphviz for
#   `d2k graph --format svg`),
#   d2k with its test extras, a private Docker engine (tests/engine/engine.sh), lint,
#   type check, and pytest with the engine tests required (they fail rather than skip).
# Extra arguments go to pytest.  The README's test command; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: installing ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'

eval "$(tests/engine/engine.sh start)"
trap 'tests/engine/engine.sh stop >/dev/null 2>&1 || true' EXIT
export D2K_REQUIRE_ENGINE=1

echo "run.sh: ruff"; python3 -m ruff check d2k tests bench
echo "run.sh: mypy"; python3 -m mypy
echo "run.sh: pytest"
python3 -m pytest -p no:cacheprovider "$@"
