"""Every token accounted for: each word of each `docker run` lands somewhere the report shows.

A word of a docker run command is the program or a verb word (`docker`, global options, `run`),
part of a flag as the report records it (FlagUse.text, credential values redacted), the image,
or an argument of the container's command; nothing is dropped without a trace. The JSON report
lists every flag as written, with its file, line and fate.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from d2k.core import Options, Result, convert_text
from d2k.emitters.report import to_json
from d2k.model import Container, FlagUse
from d2k.parsers.flags import TABLE
from d2k.parsers.text import Command, extract
from d2k.secrets import REDACTED, is_credential

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())
FLAG_FILES = ROOT / "tests" / "fixtures" / "flags"

# Commands that use every lexing rule at once (clusters, `=`, `--`, global options, credentials, args
# that look like flags, continuation lines, quoting).
RICH = {
    "clusters.txt": "docker run -dit -p8080:80 -p=8443:443 -itp 9000:9000 --name=edge nginx -g 'daemon off;'\n",
    "globals.txt": "docker -H tcp://10.0.0.1:2375 --tlsverify container run --rm -e A=1 -- alpine -x --y=z\n",
    "create.sh": (
        "docker network create backend\n"
        "docker create --network backend --network-alias api --expose 8080 \\\n"
        "  --name api -e DB_PASSWORD=hunter2 --env=API_TOKEN=abc123 -eSESSION_SECRET=xyz \\\n"
        "  -e DATABASE_URL=postgres://app:s3cret@db/app \\\n"
        "  --health-cmd 'curl -f http://localhost:8080/health' --health-interval=15s \\\n"
        "  -v data:/data -v /etc/app:/etc/app:ro --tmpfs /run --mount type=tmpfs,dst=/cache \\\n"
        "  -u 1000:1000 -w /srv --entrypoint '' \\\n"
        "  example/api:1.0 serve --port 8080 -v\n"
    ),
    "everything.txt": (
        "docker run --name store -v shared:/shared busybox\n"
        "docker run -d --restart always --cpus 1.5 -m 512m --memory-reservation 256m --cpu-shares 512 "
        "--cap-add NET_ADMIN --cap-drop ALL --security-opt no-new-privileges --read-only --privileged=false "
        "--ulimit nofile=1024:2048 --log-driver syslog --log-opt tag=app --sysctl net.core.somaxconn=1024 "
        "--add-host db:10.0.0.5 --dns 1.1.1.1 --dns-search corp --dns-opt ndots:2 --hostname=app "
        "--label tier=web -l team=core --annotation note=x --pull=always --platform linux/amd64 "
        "--stop-timeout 20 --stop-signal SIGQUIT --init --pid host --ipc host --shm-size 64m "
        "--volumes-from store:ro --expose 9000 -P --gpus 1 --device /dev/fuse --group-add 10 "
        "--env-file app.env --label-file labels.txt alpine:3.20 sh -c 'exec sleep 1d'\n"
    ),
}


def _convert(text: str, file: str) -> Result:
    return convert_text(text, file, options=Options(), base_dir=str(FLAG_FILES))


def _runs(text: str, file: str) -> list[Command]:
    """The docker run/create commands of the text (each becomes a container)."""
    runs = []
    for command in extract(text, file, folder=str(FLAG_FILES)).commands:  # `$(pwd)`: the folder _convert uses
        words = [w.text for w in command.words]
        verb = next((k for k, w in enumerate(words) if w in ("run", "create")), None)
        if verb is not None and words[verb - 1] not in ("network", "volume") and "--help" not in words:
            runs.append(command)
    return runs


def _verb_index(words: list[str]) -> int:
    return next(k for k, w in enumerate(words) if w in ("run", "create"))


def _same(token: str, word: str) -> bool:
    """A token of a FlagUse text stands for a word: equal, or the word with its value redacted."""
    if token == word:
        return True
    head, found, tail = token.partition(REDACTED)
    return bool(found) and not tail and word.startswith(head) and len(word) > len(head)


def _account(command: Command, c: Container) -> None:
    words = [w.text for w in command.words]
    verb = _verb_index(words)
    args = c.command or []
    image_at = len(words) - len(args) - 1
    assert words[image_at] == c.image, f"{words[image_at]!r} is not the image {c.image!r}"
    assert words[image_at + 1 :] == args
    tokens = [token for use in c.flags for token in shlex.split(use.text)]
    for word in words[verb + 1 : image_at]:
        assert word == "--" or any(_same(t, word) for t in tokens), f"{word!r} is in no flag of {c.name}"
    flag_words = words[verb + 1 : image_at]
    for use in c.flags:
        for token in shlex.split(use.text):
            assert any(_same(token, w) for w in flag_words), f"{use.text!r} names {token!r}, not written"


def _check_flag_names(use: FlagUse) -> None:
    """The flag recorded is the row the written name belongs to."""
    first = shlex.split(use.text)[0]
    if first.startswith("--"):
        row = TABLE.long[first[2:].split("=", 1)[0]]
    else:
        letters = first[1:].split("=", 1)[0]
        rows = [TABLE.short.get(letter) for letter in letters]
        row = next(r for r in rows if r is not None and r.long == use.flag)
    assert row.long == use.flag


def _check(text: str, file: str) -> None:
    result = _convert(text, file)
    runs = _runs(text, file)
    containers = list(result.graph.containers.values())
    assert len(runs) == len(containers)
    for command, c in zip(runs, containers, strict=True):
        assert c.origin.line == command.origin.line
        _account(command, c)
        at = _verb_index([w.text for w in command.words]) + 1
        for use in c.flags:  # in input order: each starts at or after the word the previous one started at
            _check_flag_names(use)
            first = shlex.split(use.text)[0]
            at = next(k for k in range(at, len(command.words)) if _same(first, command.words[k].text))
            assert (use.origin.file, use.origin.line) == (file, command.words[at].line), use.text
            at += len(shlex.split(use.text)) - 1  # past its value word; a bool cluster's next flag shares the word
    _check_json(result, file)


def _check_json(result: Result, file: str) -> None:
    document = json.loads(to_json(result.report, result.graph, result.objects, [file]))
    assert document["inputs"] == [file]
    assert [c["name"] for c in document["containers"]] == list(result.graph.containers)
    for entry, c in zip(document["containers"], result.graph.containers.values(), strict=True):
        assert (entry["file"], entry["line"], entry["image"]) == (file, c.origin.line, c.image)
        assert entry["flags"] == [
            {"flag": u.flag, "text": u.text, "file": file, "line": u.origin.line, "fate": u.fate.value,
             "note": u.note}
            for u in c.flags
        ]  # fmt: skip
        secrets = [f"{e.name}={e.value}" for e in c.env.values() if e.value and is_credential(e.name, e.value)]
        for flag in entry["flags"]:
            assert not any(secret in flag["text"] for secret in secrets), flag["text"]


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_every_word_of_every_sample_is_accounted_for(sample: Path) -> None:
    _check(sample.read_text(encoding="utf-8"), str(sample))


@pytest.mark.parametrize("name", sorted(RICH))
def test_every_word_of_rich_commands_is_accounted_for(name: str) -> None:
    _check(RICH[name], name)


def test_credentials_never_reach_the_json_report() -> None:
    result = _convert(RICH["create.sh"], "create.sh")
    document = to_json(result.report, result.graph, result.objects, ["create.sh"])
    for secret in ("hunter2", "abc123", "xyz", "s3cret"):
        assert secret not in document


def test_a_cluster_is_one_word_recorded_once_per_flag() -> None:
    result = _convert(RICH["clusters.txt"], "clusters.txt")
    edge = result.graph.containers["edge"]
    assert [(u.flag, u.text) for u in edge.flags] == [
        ("--detach", "-dit"), ("--interactive", "-dit"), ("--tty", "-dit"),
        ("--publish", "-p8080:80"), ("--publish", "-p=8443:443"),
        ("--interactive", "-itp"), ("--tty", "-itp"), ("--publish", "-itp 9000:9000"),
        ("--name", "--name=edge"),
    ]  # fmt: skip
