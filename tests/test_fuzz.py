"""Fuzzing: mutated samples and hostile files never crash d2k.

A seeded mutator (fixed seed, fixed count: the same inputs on every run, no clock involved) cuts,
duplicates and splices shell tokens into samples/*; every mutant either converts to manifests that
validate and read back from YAML unchanged, or is refused with d2k's InputError. Hostile files go
through the real command line: one `d2k: FILE:LINE: ...` line, exit 2, never a traceback.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from d2k.core import Options, convert_text
from d2k.emitters.output import to_yaml
from d2k.errors import InputError
from d2k.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
MUTANTS_PER_SAMPLE = 120
TOKENS = ("'", '"', "\\", "\n", "$", "`", "$(", "${", "${X:-", "-e ", "-p ", "--", "=", ":", "|", "&&", ";",
          "#", "```", " ", "\t", "~", "<x>", ">", "(", ")", "-", "docker run ", "--name x ", "-v /a:/b ",
          "--network container:db ", "--link db:db ", "--rm ", "--restart=always ", "-p 80 ", "65536", "0",
          "1.5", "-it ", "--health-cmd ", "--cpus ", "-m ", "1g", "é", "\u00a0", "| `docker run x` |\n")


def mutate(text: str, rng: random.Random) -> str:
    """A few random edits: insert a shell token, delete a run, or copy a run elsewhere."""
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randint(0, len(chars))
        op = rng.random()
        if op < 0.45:
            chars[pos:pos] = rng.choice(TOKENS)
        elif op < 0.75:
            del chars[pos:pos + rng.randint(1, 20)]
        else:
            start = rng.randint(0, len(chars))
            chars[pos:pos] = chars[start:start + rng.randint(1, 60)]
    return "".join(chars)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_mutated_samples_convert_or_fail_cleanly(sample: Path) -> None:
    rng = random.Random(f"d2k-fuzz-{sample.name}")
    original = sample.read_text(encoding="utf-8")
    converted = refused = 0
    for number in range(MUTANTS_PER_SAMPLE):
        text = mutate(original, rng)
        try:
            result = convert_text(text, sample.name, options=Options(part_of="fuzz"), base_dir=str(sample.parent))
        except InputError as err:
            refused += 1
            assert str(err).startswith(sample.name) and "\n" not in err.message, (number, str(err))
            continue
        converted += 1
        assert validate_objects(result.objects) == [], (number, text)
        assert list(yaml.safe_load_all(to_yaml(result.objects))) == result.objects, (number, text)
    assert converted and refused  # the mutator explores both sides


def _run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "d2k", "from-commands", str(path), "-q", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


ONE_LINE = re.compile(r"d2k: [^\n]+:\d+: [^\n]+\n")


def _hostile(tmp: Path) -> dict[str, tuple[bytes, int]]:
    """name -> (file content, the line the error must name)."""
    rng = random.Random(5)
    return {
        "random.bin": (bytes(rng.randrange(256) for _ in range(4096)) + b"\0", 0),
        "nul.txt": (b"docker run nginx\n\x00docker run redis\n", 2),
        "latin1.txt": ("docker run -e X=caf\u00e9 nginx\n".encode("latin-1"), 1),
        "cp1252.md": (b"# notes\n\n`docker run --name=a \x93nginx\x94`\n", 3),
        "quote.txt": (b"docker run -d nginx\ndocker run -e 'X=1 nginx\n", 2),
        "dquote.sh": (b'docker run -e "X=1 nginx\n', 1),
        "truncated.txt": (b"docker run -d --name web -p\n", 1),
        "truncated-image.txt": (b"docker run -d --name web\n", 1),
        "backslash.sh": (b"docker run -d \\\n  --name web \\\n", 2),
        "subst.sh": (b"docker run -e X=$(date nginx\n", 1),
        "placeholder.txt": (b"docker run -e X=<value> nginx\n", 1),
        "doubling.sh": (b"A=xx\n" + b'A="$A$A"\n' * 40 + b"docker run -e X=$A nginx\n", 0),
    }


def test_hostile_files_give_one_line_and_exit_2(tmp_path: Path) -> None:
    for name, (content, line) in _hostile(tmp_path).items():
        path = tmp_path / name
        path.write_bytes(content)
        done = _run(path)
        assert done.returncode == 2, (name, done.stderr)
        assert done.stdout == ""
        assert ONE_LINE.fullmatch(done.stderr), (name, done.stderr)
        assert done.stderr.startswith(f"d2k: {path}:"), (name, done.stderr)
        if line:
            assert done.stderr.startswith(f"d2k: {path}:{line}: "), (name, done.stderr)


def test_big_files_and_long_lines_convert(tmp_path: Path) -> None:
    """A 10 MB file and a 100,000-character line are read, not refused, and give valid output."""
    big = tmp_path / "big.sh"
    comment = "# " + "x" * 97 + "\n"
    big.write_text(comment * (10 * 1024 * 1024 // len(comment) + 1) + "docker run -d --name web nginx\n", encoding="utf-8")
    assert big.stat().st_size >= 10 * 1024 * 1024
    long_line = tmp_path / "long.txt"
    long_line.write_text("docker run -d --name web -e X=" + "a" * 100_000 + " nginx\n" + "y" * 100_000 + "\n",
                         encoding="utf-8")
    for path in (big, long_line):
        done = _run(path)
        assert done.returncode == 0, done.stderr
        assert "kind: Deployment" in done.stdout and "Traceback" not in done.stderr


def test_an_empty_file_and_a_file_without_docker_commands_are_input_errors(tmp_path: Path) -> None:
    for name, content in (("empty.txt", b""), ("prose.md", b"# Just notes\n\nNothing to run.\n")):
        path = tmp_path / name
        path.write_bytes(content)
        done = _run(path)
        assert done.returncode == 2
        assert done.stderr == f"d2k: {path}: no docker run command found: give a file of docker run lines\n"
