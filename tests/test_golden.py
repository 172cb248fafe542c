"""Golden cases: every file in samples/ with its expected manifests and report, reviewed in the diff.

`python -m pytest tests/test_golden.py --update-golden` rewrites them on purpose; read the diff
as a user would read the output before committing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, convert_text
from d2k.emitters.output import to_yaml
from d2k.emitters.report import render_reach, render_text, to_json
from d2k.settle import Settler
from d2k.validate import DEFAULT_K8S_VERSION, validate_objects

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
GOLDEN = ROOT / "tests" / "golden"
SAMPLES_FOLDER = "/home/user/d2k/samples"


def outputs(sample: Path) -> dict[str, str]:
    """What `d2k from-commands samples/X` prints, by channel (paths relative, as a user runs it)."""
    name = f"samples/{sample.name}"

    def convert(settle: Settler | None) -> Any:
        # `$(pwd)` is the input's folder; a fixed one here, so the files do not depend on where d2k is checked out
        return convert_text(sample.read_text(encoding="utf-8"), name, options=Options(part_of=sample.stem),
                            base_dir=str(sample.parent), folder=SAMPLES_FOLDER, settle=settle)

    return whole_and_settled(convert, [name])


def whole_and_settled(convert: Any, inputs: list[str] | None) -> dict[str, str]:
    """The files of a golden case, from whole objects; the CLI settles each object as it is made (d2k.settle)
    and must print the very same (here with every document but the Secrets' in the spool)."""
    whole = convert(None)
    assert validate_objects(whole.objects) == []
    produced = channels(whole, whole.inputs if inputs is None else inputs)
    settler = Settler(DEFAULT_K8S_VERSION, text=True, spool_after=0)
    settled = convert(settler)
    assert settler.check() == []
    assert channels(settled, settled.inputs if inputs is None else inputs) == produced
    return produced


def channels(result: Any, inputs: list[str]) -> dict[str, str]:
    """The manifests and both reports of a result, as the files of a golden case."""
    return {
        "manifests.yaml": to_yaml(result.objects),
        "report.txt": render_text(result.report, result.graph, result.objects) + render_reach(result.objects),
        "report.json": to_json(result.report, result.graph, result.objects, inputs),
    }


def check_golden(expected_dir: Path, produced: dict[str, str], request: pytest.FixtureRequest, label: str) -> None:
    """Compare with the golden files (rewrite them first with --update-golden)."""
    if request.config.getoption("--update-golden"):
        expected_dir.mkdir(parents=True, exist_ok=True)
        for name, text in produced.items():
            (expected_dir / name).write_text(text, encoding="utf-8")
    for name, text in produced.items():
        path = expected_dir / name
        assert path.exists(), f"no golden file {path}: run pytest tests/test_golden.py --update-golden and review it"
        assert text == path.read_text(encoding="utf-8"), f"{label}: {name} differs from {path}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_matches_its_golden_case(sample: Path, request: pytest.FixtureRequest) -> None:
    check_golden(GOLDEN / sample.stem, outputs(sample), request, sample.name)


def compose_cases() -> list[tuple[str, str, list[str]]]:
    """(name, folder, args) of each from-compose case in tests/compose/cases.txt."""
    cases = []
    for line in (ROOT / "tests" / "compose" / "cases.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, folder, *args = line.split()
            cases.append((name, folder, args))
    return cases


def compose_outputs(folder: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What `d2k from-compose tests/compose/FOLDER ARGS` prints, run from the repository root."""
    from d2k.core import convert_compose
    from d2k.parsers.compose_loader import Request

    monkeypatch.chdir(ROOT)
    for variable in ("COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"):
        monkeypatch.delenv(variable, raising=False)
    files = [f"tests/compose/{folder}/{args[k + 1]}" for k, a in enumerate(args) if a == "-f"]
    profiles = [args[k + 1] for k, a in enumerate(args) if a == "--profile"]
    request = Request(tuple(files), tuple(profiles), directory=f"tests/compose/{folder}")
    produced = whole_and_settled(lambda settle: convert_compose(request, options=Options(), settle=settle), None)
    return {name: text.replace(str(ROOT), "$ROOT") for name, text in produced.items()}


@pytest.mark.parametrize("case", compose_cases(), ids=[c[0] for c in compose_cases()])
def test_compose_project_matches_its_golden_case(
    case: tuple[str, str, list[str]], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, folder, args = case
    check_golden(GOLDEN / f"compose-{name}", compose_outputs(folder, args, monkeypatch), request, f"compose {name}")


def test_every_golden_case_has_its_sample() -> None:
    expected = [s.stem for s in SAMPLES] + [f"compose-{name}" for name, _f, _a in compose_cases()]
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(expected)
