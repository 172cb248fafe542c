"""The README's two commands on a stock machine: the system python3 (/usr/bin/python3), PEP 668 in force.

A copy of the repository is set up as a new user would: the README's first command verbatim (it makes
`.venv` itself, installs d2k and its dependencies into it, converts the sample), then the set-up half
of `tests/run.sh` (D2K_SETUP_ONLY=1: the same `.venv` reused, the test extras added). Packages come
from pip's usual sources and cache; nothing of the developer's environment leaks in (PATH holds only
the system folders, no PYTHONPATH, no VIRTUAL_ENV).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path("/usr/bin/python3")
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="needs the system interpreter /usr/bin/python3")


def stock_env(home: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_", "SSL_", "REQUESTS_"))}
    keep.pop("PIP_BREAK_SYSTEM_PACKAGES", None)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return {**keep, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(cache)}


def copy_of_the_repository(dest: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.mark.timeout(900)
def test_the_readme_commands_set_up_with_the_system_python(tmp_path: Path) -> None:
    repo = copy_of_the_repository(tmp_path / "repo")
    env = stock_env(tmp_path)
    pep668 = subprocess.run(["python3", "-m", "pip", "install", "--dry-run", "--no-deps", "."], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=300)
    assert pep668.returncode != 0 and "externally-managed-environment" in pep668.stdout + pep668.stderr

    first, second = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()[:2]
    install = subprocess.run(["bash", "-c", first.split("#", 1)[0]], cwd=repo, env=env, capture_output=True,
                             text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    assert "kind: Deployment" in install.stdout and "d2k: 5 containers -> " in install.stderr
    venv_python = repo / ".venv" / "bin" / "python"
    base = subprocess.run([str(venv_python), "-c", "import sys; print(sys.base_prefix)"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert base == "/usr"  # made from the system interpreter

    assert second.split("#", 1)[0].strip() == "bash tests/run.sh"
    setup = subprocess.run(["bash", "tests/run.sh"], cwd=repo, env={**env, "D2K_SETUP_ONLY": "1"},
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stderr[-3000:]
    assert "making .venv" not in setup.stdout  # the README's .venv is reused
    tools = subprocess.run([str(venv_python), "-c", "import d2k, pytest, mypy, ruff; print(d2k.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert tools.returncode == 0 and tools.stdout.strip() == str(repo / "d2k" / "__init__.py")  # editable
