"""The README's promises: its example output is what d2k prints, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_is_the_seed_report() -> None:
    block = README.split("$ d2k from-commands samples/voting-app.md > voting-app.yaml\n", 1)[1].split("```", 1)[0]
    assert block == (ROOT / "tests" / "golden" / "voting-app" / "report.txt").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].startswith("python3 -m venv .venv && .venv/bin/pip install . && "
                                     ".venv/bin/d2k from-commands samples/voting-app.md")
    assert first_block[1].startswith("bash tests/run.sh")
    assert "bash tests/run.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_mentions_only_existing_commands() -> None:
    from d2k.cli import app

    commands = set(app.deferred)
    for name in re.findall(r"^d2k ([a-z-]+)", README, flags=re.M):
        assert name in commands, name
