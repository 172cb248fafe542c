"""Credentials stay in Secrets: planted values are searched for in every channel d2k writes.

Channels: stdout (YAML and JSON) outside Secret objects, the files of --out, the text report on
stderr, the --report JSON, error messages, and --debug output (a success and a crash).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from d2k.core import Options, convert_text
from d2k.secrets import REDACTED, is_credential, is_credential_name, is_credential_value, redact_assignment

ROOT = Path(__file__).resolve().parent.parent

# value -> the env name that carries it; each must end up in a Secret and nowhere else
PLANTED = {
    "plantedS3cr3t-xyz": "DB_PASSWORD",
    "plantedTok3n-abc": "API_TOKEN",
    "plantedUrlPw-q1": "DATABASE_URL",  # a password inside a URL, whatever the name
    "plantedAws-55": "AWS_SECRET_ACCESS_KEY",
    "plantedVar-88": "MYSQL_ROOT_PASSWORD",  # reaches docker run through a shell variable
    "plantedEnvFile-42": "SMTP_PASSWORD",  # from an --env-file
}
# value -> the variable d2k passes it in: credentials in a command line move to the Secret too
PLANTED_ARGS = {
    "plantedArg-31": "D2K_ARG_REQUIREPASS",  # redis-server --requirepass VALUE
    "plantedArg-32": "D2K_ARG_MASTERAUTH",  # --masterauth=VALUE
    "plantedArgUrl-33": "D2K_ARG_URL_PASSWORD",  # a URL's password inside an sh -c script
    "plantedArg 34": "D2K_ARG_PASSWORD",  # --password "VALUE" quoted inside the script
}
# a label named like a credential: kept out of the report; see the final report of issue 5 for
# the manifests (the emitter copies labels into metadata as they are)
PLANTED_LABEL = "plantedLabel-77"

SCRIPT = f"""#!/bin/sh
PW=plantedVar-88
docker network create backend
docker run -d --name db --network backend -e DB_PASSWORD=plantedS3cr3t-xyz -e MYSQL_ROOT_PASSWORD=$PW \\
  -e PLAIN=visible --label db.password={PLANTED_LABEL} --ulimit nofile=1024 postgres:16
docker run -d --name api --network backend -p 8080:80 -e API_TOKEN=plantedTok3n-abc \\
  -e DATABASE_URL=postgres://u:plantedUrlPw-q1@db/x --env-file app.env \\
  -e AWS_SECRET_ACCESS_KEY=plantedAws-55 -e GITHUB_TOKEN -e HOME_URL=$UNSET_URL nginx
docker run -d --name cache --network backend redis:7 redis-server --requirepass plantedArg-31 --masterauth=plantedArg-32
docker run --rm --name job --network backend postgres:16 sh -c 'psql postgres://u:plantedArgUrl-33@db/x --password "plantedArg 34"'
"""
ENV_FILE = "SMTP_PASSWORD=plantedEnvFile-42\nSMTP_HOST=mail\n"


def _d2k(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          input=stdin, timeout=120)


@pytest.fixture()
def planted(tmp_path: Path) -> Path:
    (tmp_path / "app.env").write_text(ENV_FILE, encoding="utf-8")
    script = tmp_path / "run.sh"
    script.write_text(SCRIPT, encoding="utf-8")
    return script


def _leaks(text: str, values: Any = None) -> list[str]:
    return [v for v in (values if values is not None else [*PLANTED, *PLANTED_ARGS, PLANTED_LABEL]) if v in text]


def _outside_secrets(objects: list[dict[str, Any]]) -> str:
    return json.dumps([o for o in objects if o.get("kind") != "Secret"], ensure_ascii=False)


def _secret_data(objects: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = {}
    for obj in objects:
        if obj.get("kind") == "Secret":
            data.update(obj.get("stringData", {}))
    return data


def test_yaml_stdout_text_report_and_json_report(planted: Path) -> None:
    done = _d2k("from-commands", "run.sh", "--report", "report.json", cwd=planted.parent)
    assert done.returncode == 0, done.stderr
    objects = list(yaml.safe_load_all(done.stdout))
    assert {value: _secret_data(objects).get(name) for value, name in PLANTED.items()} == {
        value: value if name != "DATABASE_URL" else "postgres://u:plantedUrlPw-q1@db/x"
        for value, name in PLANTED.items()
    }
    assert _leaks(_outside_secrets(objects), PLANTED) == []
    assert {value: _secret_data(objects).get(name) for value, name in PLANTED_ARGS.items()} == {
        value: value for value in PLANTED_ARGS}
    assert _leaks(_outside_secrets(objects), PLANTED_ARGS) == []
    assert "$(D2K_ARG_REQUIREPASS)" in done.stdout
    assert "the value of --requirepass in the command line is a credential: it is in Secret cache-secret" in done.stderr
    config_maps = [o for o in objects if o["kind"] == "ConfigMap"]
    assert config_maps and _leaks(json.dumps(config_maps)) == []
    assert "PLAIN" in done.stdout and "visible" in done.stdout  # plain values stay inline
    assert "not carried" in done.stderr and "--ulimit" in done.stderr  # the report did print
    assert _leaks(done.stderr) == []
    report = (planted.parent / "report.json").read_text(encoding="utf-8")
    assert REDACTED in report and _leaks(report) == []


def test_json_output_out_folder_and_debug(planted: Path) -> None:
    done = _d2k("from-commands", "run.sh", "-o", "json", "--debug", cwd=planted.parent)
    assert done.returncode == 0 and _leaks(done.stderr) == []
    assert _leaks(_outside_secrets(json.loads(done.stdout)["items"]), [*PLANTED, *PLANTED_ARGS]) == []
    done = _d2k("from-commands", "run.sh", "--out", "k8s", "--debug", cwd=planted.parent)
    assert done.returncode == 0 and done.stdout == "" and _leaks(done.stderr) == []
    files = {p.name: p.read_text(encoding="utf-8") for p in (planted.parent / "k8s").iterdir()}
    secrets = {name for name, text in files.items() if "kind: Secret" in text}
    assert secrets and all(name.endswith("-secret.yaml") for name in secrets)
    assert {name: _leaks(text, [*PLANTED, *PLANTED_ARGS]) for name, text in files.items() if name not in secrets} == {
        name: [] for name in files if name not in secrets
    }


def test_the_report_model_holds_no_value(planted: Path) -> None:
    result = convert_text(planted.read_text(encoding="utf-8"), str(planted), options=Options())
    assert _leaks(" ".join(d.message + (d.origin.text if d.origin else "") for d in result.report.diagnostics)) == []
    texts = [f.text + f.note + f.origin.text for c in result.graph.containers.values() for f in c.flags]
    assert _leaks(" ".join(texts)) == []
    assert _leaks(" ".join(str(e) for e in result.graph.edges)) == []


ERRORS = {
    "bad-flag.sh": "docker run -e DB_PASSWORD=plantedS3cr3t-xyz -e API_TOKEN=plantedTok3n-abc --bogus nginx\n",
    "bad-port.sh": "docker run -e DATABASE_URL=postgres://u:plantedUrlPw-q1@db/x -p notaport nginx\n",
    "conflict.sh": "docker run -e AWS_SECRET_ACCESS_KEY=plantedAws-55 --rm --restart always nginx\n",
    "quote.sh": "docker run -e DB_PASSWORD=plantedS3cr3t-xyz -e 'X=1 nginx\n",
    "no-image.sh": "docker run -e API_TOKEN=plantedTok3n-abc\n",
    "label.sh": f"docker run --label password={PLANTED_LABEL} --name 'bad name' nginx\n",
    "env-file.sh": "docker run --env-file bad.env nginx\n",
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_messages_hold_no_value(tmp_path: Path, name: str) -> None:
    (tmp_path / "bad.env").write_text("SMTP PASSWORD=plantedEnvFile-42\n", encoding="utf-8")
    (tmp_path / name).write_text(ERRORS[name], encoding="utf-8")
    done = _d2k("from-commands", name, "--debug", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"d2k: {name}:1: ") and done.stderr.count("\n") == 1
    assert _leaks(done.stderr) == [] and done.stdout == ""


CRASH = """
import sys
import d2k.core

def crash(*args, **kwargs):
    raise RuntimeError("an emitter bug")

d2k.core.convert_graph = crash
sys.argv = ["d2k", *sys.argv[1:]]
from d2k.cli import main
main()
"""


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_holds_no_value_with_or_without_debug(planted: Path, debug: bool) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["from-commands", "run.sh", *(["--debug"] if debug else [])]
    done = subprocess.run([sys.executable, "-c", CRASH, *args], capture_output=True, text=True, env=env,
                          cwd=planted.parent, timeout=120)
    assert done.returncode == 3
    assert ("Traceback" in done.stderr) is debug
    assert done.stderr.splitlines()[-1].startswith("d2k: internal error (RuntimeError): please report it")
    assert _leaks(done.stderr) == [] and done.stdout == ""


@pytest.mark.parametrize("name", ["DB_PASSWORD", "db_passwd", "API_TOKEN", "AWS_SECRET_ACCESS_KEY", "PRIVATE_KEY",
                                  "GITHUB_TOKEN", "REGISTRY_CREDENTIALS", "jwtSecret"])
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "POSTGRES_PASSWORD_FILE", "SSH_KEY_PATH", "AWS_ACCESS_KEY_ID",
                                  "KEY_NAME", "TLS_KEY_SIZE", "USER"])
def test_names_that_only_point_at_credentials(name: str) -> None:
    assert not is_credential_name(name)


def test_credential_values_and_redaction() -> None:
    assert is_credential_value("postgres://u:pw@db/x") and is_credential("URL", "mysql://root:pw@db:3306")
    assert not is_credential_value("postgres://db/x") and not is_credential_value("http://host:8080/path")
    assert redact_assignment("DB_PASSWORD=hunter2") == f"DB_PASSWORD={REDACTED}"
    assert redact_assignment("URL=redis://:pw@cache:6379") == f"URL={REDACTED}"
    assert redact_assignment("MODE=production") == "MODE=production"
    assert redact_assignment("DB_PASSWORD") == "DB_PASSWORD"


@pytest.mark.parametrize(("argv", "found"), [
    (["redis-server", "--appendonly", "yes", "--requirepass", "pw1"], [(4, "pw1", "--requirepass")]),
    (["app", "--db-password=pw2", "--masterauth", "pw3"], [(1, "pw2", "--db-password"), (3, "pw3", "--masterauth")]),
    (["psql", "postgres://u:pw4@db/x"], [(1, "pw4", "url")]),
    (["app", "--uri=mongodb://root:pw8@mongo:27017/", "'redis://:pw9@cache'"], [(1, "pw8", "url"), (2, "pw9", "url")]),
    (["sh", "-c", "redis-server --requirepass 'p w5' --port 1 && curl http://a:pw6@h/"],
     [(2, "p w5", "--requirepass"), (2, "pw6", "url")]),
    (["sh", "-c", 'exec app --api-key="k 7" --verbose'], [(2, "k 7", "--api-key")]),
    (["app", "--tls-key", "/etc/tls/key.pem", "--password", "$PASSWORD", "--token", "--verbose"], []),
    (["app", "--key-file=secret.txt", "--password="], []),  # a file's name, an empty value
])
def test_credentials_in_a_command_line(argv: list[str], found: list[tuple[int, str, str]]) -> None:
    from d2k.secrets import argument_credentials

    assert [(i, argv[i][a:b], what) for i, a, b, what in argument_credentials(argv)] == found


def test_a_credential_in_a_healthcheck_is_reported_where_it_stays() -> None:
    result = convert_text("docker run -d --name cache --health-cmd 'redis-cli --pass plantedProbe-9 ping' redis:7\n",
                          "run.sh", options=Options())
    notes = [d for d in result.report.diagnostics if d.code == "credential-probe"]
    assert len(notes) == 1 and "(--pass)" in notes[0].message and "plantedProbe-9" not in notes[0].render()


def test_the_quick_filter_lets_every_credential_flag_through() -> None:
    """argument_credentials skips an argv holding none of _HINTS: each word that makes a credential must hold one."""
    from d2k.secrets import _HINTS, ARGUMENT_CREDENTIALS, CREDENTIAL_WORDS, argument_credentials

    for word in (*CREDENTIAL_WORDS, *ARGUMENT_CREDENTIALS):
        assert any(hint in word.lower() for hint in _HINTS), word
        assert argument_credentials(["app", f"--{word.lower()}", "v4lue"]) == [(2, 0, 5, f"--{word.lower()}")]
