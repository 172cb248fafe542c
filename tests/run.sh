#!/usr/bin/env bash
# Everything the tests need, on a fresh Debian machine, then the tests themselves:
#   Debian packages (docker.io for a private engine, busybox-static for stand-in images,
#   python3-venv where the system python3 cannot make a virtual environment), a virtual
#   environment of its own (.venv, made from the system python3 and reused when present:
#   Debian 12 and Ubuntu 24.04 refuse pip outside one, PEP 668), d2k with its test extras in it,
#   a private Docker engine (tests/engine/engine.sh), lint, type check, and pytest with the
#   engine tests required (they fail rather than skip).
# Extra arguments go to pytest.  The README's test command; .ci/run calls it too.
# D2K_SETUP_ONLY=1 stops after the set-up (tests/test_setup.py runs it so).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
system_python=$(command -v /usr/bin/python3 || command -v python3)
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
    echo "run.sh: making $venv from $system_python"
    if ! "$system_python" -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"  # Debian without python3-venv leaves a venv without pip
        missing+=(python3-venv)
    fi
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: installing ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
    "$system_python" -m venv "$venv"
fi
python="$venv/bin/python"
"$python" -m pip install -q --disable-pip-version-check -e '.[test]'
if [ "${D2K_SETUP_ONLY:-}" = 1 ]; then exit 0; fi

eval "$(tests/engine/engine.sh start)"
trap 'tests/engine/engine.sh stop >/dev/null 2>&1 || true' EXIT
export D2K_REQUIRE_ENGINE=1

echo "run.sh: ruff"; "$python" -m ruff check d2k tests bench
echo "run.sh: mypy"; "$python" -m mypy
echo "run.sh: pytest"
"$python" -m pytest -p no:cacheprovider "$@"
