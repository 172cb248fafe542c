"""Golden cases: every file in samples/ with its expected manifests and report, reviewed in the diff.

`python -m pytest tests/test_golden.py --update-golden` rewrites them on purpose; read the diff
as a user would read the output before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from d2k.core import Options, convert_text
from d2k.emitters.output import to_yaml
from d2k.emitters.report import render_reach, render_text, to_json
from d2k.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
GOLDEN = ROOT / "tests" / "golden"
SAMPLES_FOLDER = "/home/user/d2k/samples"


def outputs(sample: Path) -> dict[str, str]:
    """What `d2k from-commands samples/X` prints, by channel (paths relative, as a user runs it)."""
    name = f"samples/{sample.name}"
    # `$(pwd)` is the input's folder; a fixed one here, so the files do not depend on where d2k is checked out
    result = convert_text(sample.read_text(encoding="utf-8"), name, options=Options(part_of=sample.stem),
                          base_dir=str(sample.parent), folder=SAMPLES_FOLDER)
    assert validate_objects(result.objects) == []
    return {
        "manifests.yaml": to_yaml(result.objects),
        "report.txt": render_text(result.report, result.graph, result.objects) + render_reach(result.objects),
        "report.json": to_json(result.report, result.graph, result.objects, [name]),
    }


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_matches_its_golden_case(sample: Path, request: pytest.FixtureRequest) -> None:
    expected_dir = GOLDEN / sample.stem
    produced = outputs(sample)
    if request.config.getoption("--update-golden"):
        expected_dir.mkdir(parents=True, exist_ok=True)
        for name, text in produced.items():
            (expected_dir / name).write_text(text, encoding="utf-8")
    for name, text in produced.items():
        path = expected_dir / name
        assert path.exists(), f"no golden file {path}: run pytest tests/test_golden.py --update-golden and review it"
        assert text == path.read_text(encoding="utf-8"), f"{sample.name}: {name} differs from {path}"


def test_every_golden_case_has_its_sample() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(s.stem for s in SAMPLES)
