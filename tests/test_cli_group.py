"""d2k.cli_group: typer builds only the command a run names; the group looks and answers as typer's own.

Help and every error message are pinned by tests/test_cli.py and tests/test_options.py; here the
parts only the group decides: a mistyped command, shell completion of command names, and which
commands a run builds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from d2k.cli import app
from d2k.cli_group import LazyTyper

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["from-commands", "from-running", "from-compose", "graph", "validate", "flags", "compose-keys"]


def run_as_d2k(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI under its installed name (the completion variable and usage lines follow the name)."""
    code = "import sys; sys.argv[0] = 'd2k'; from d2k.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=120)


def test_a_mistyped_command_is_suggested() -> None:
    done = run_as_d2k("from-comands", "x.md")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == "Error: No such command 'from-comands'. Did you mean 'from-commands', 'from-compose'?"
    done = run_as_d2k("valdate", "k8s/")
    assert done.stderr.splitlines()[-1] == "Error: No such command 'valdate'. Did you mean 'validate'?"


def test_shell_completion_offers_every_command_and_a_command_s_options() -> None:
    names = run_as_d2k(env={"_D2K_COMPLETE": "complete_bash", "COMP_WORDS": "d2k ", "COMP_CWORD": "1"})
    assert names.stdout.split() == COMMANDS
    options = run_as_d2k(env={"_D2K_COMPLETE": "complete_bash", "COMP_WORDS": "d2k from-commands --o",
                              "COMP_CWORD": "2"})
    assert options.stdout.split() == ["--output", "--out"]


def test_a_run_builds_only_the_command_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    build = LazyTyper.build

    def counted(self: LazyTyper, name: str) -> object:
        built.append(name)
        return build(self, name)

    monkeypatch.setattr(LazyTyper, "build", counted)
    group = typer.main.get_command(app)
    assert list(group.commands) == COMMANDS and built == []  # names without building
    with pytest.raises(SystemExit) as done:
        group.main(["flags"], prog_name="d2k")
    assert done.value.code == 0 and built == ["flags"]
    with pytest.raises(SystemExit):
        group.main(["--help"], prog_name="d2k")
    assert built == ["flags", *(c for c in COMMANDS if c != "flags")]  # help shows them all: built once each


def test_the_command_mapping_adds_and_removes_as_a_dict() -> None:
    group = typer.main.get_command(app)
    commands = group.commands
    flags = commands["flags"]
    del commands["flags"]
    assert "flags" not in commands and len(commands) == len(COMMANDS) - 1
    with pytest.raises(KeyError):
        commands["flags"]
    group.add_command(flags)  # type: ignore[attr-defined]
    assert list(commands) == [c for c in COMMANDS if c != "flags"] + ["flags"]
    with pytest.raises(KeyError):
        commands["nosuch"]
