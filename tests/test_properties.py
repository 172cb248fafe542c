"""Property tests: a generated container, rendered as a `docker run` line, parses back to itself;
its manifests validate, dump to YAML that loads back to the same objects, and are the same bytes twice.

The renderer lives here, not in d2k: it quotes every word with shlex.quote, so the test exercises
d2k's shell lexer and flag table on whatever text hypothesis invents.
"""

from __future__ import annotations

import io
import shlex
from dataclasses import dataclass, field

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from d2k.core import Options, convert_text
from d2k.emitters.output import to_json, to_yaml
from d2k.emitters.workloads import pod_spec_of
from d2k.errors import InputError
from d2k.model import Container, Healthcheck
from d2k.parsers.docker_run import parse_text
from d2k.runtime import escape, expand
from d2k.validate import validate_objects

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Free text as users write it in values: any printable character, blanks, quotes, `$`, newlines.
# (No NUL: d2k refuses binary input before lexing; no CR: CRLF input is read as LF.)
VALUE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.just("\n"),
                     max_size=24)
NAME = st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True)
ENV_NAME = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)
LABEL_KEY = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8})?", fullmatch=True)
PATH = st.from_regex(r"/[a-z][a-z0-9]{0,8}(/[a-z0-9]{1,8})?", fullmatch=True)
IMAGE = st.sampled_from(["nginx", "redis:7", "postgres:15-alpine", "registry.example.com:5000/team/app:1.0",
                         "ghcr.io/org/tool", "busybox@sha256:" + "ab" * 32])


@dataclass(frozen=True)
class PortSpec:
    container_port: int
    protocol: str
    published: bool
    host_port: int | None
    host_ip: str


@dataclass(frozen=True)
class MountSpec:
    type: str  # bind | volume
    source: str
    target: str
    read_only: bool


@dataclass
class Spec:
    """What a test container is: the fields d2k must read back from its `docker run` line."""

    name: str
    image: str
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    ports: list[PortSpec] = field(default_factory=list)
    mounts: list[MountSpec] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    restart: str = ""
    restart_max_retries: int | None = None
    user: str = ""
    workdir: str = ""
    healthcheck: Healthcheck | None = None
    cpus_milli: int | None = None
    memory_mib: int | None = None


PORTS = st.builds(
    PortSpec,
    container_port=st.integers(1, 65535),
    protocol=st.sampled_from(["tcp", "udp", "sctp"]),
    published=st.booleans(),
    host_port=st.none() | st.integers(1, 65535),
    host_ip=st.sampled_from(["", "127.0.0.1", "0.0.0.0"]),
).map(lambda p: p if p.published else PortSpec(p.container_port, p.protocol, False, None, ""))

MOUNTS = st.builds(
    MountSpec,
    type=st.sampled_from(["bind", "volume"]),
    source=NAME,
    target=PATH,
    read_only=st.booleans(),
).map(lambda m: MountSpec(m.type, "/srv/" + m.source if m.type == "bind" else m.source, m.target, m.read_only))

HEALTH = st.builds(
    lambda cmd, interval, retries: Healthcheck(("CMD-SHELL", cmd), interval=float(interval), retries=retries),
    VALUE_TEXT.filter(lambda s: s.strip() != ""),
    st.integers(1, 300),
    st.integers(1, 10),
)


@st.composite
def specs(draw: st.DrawFn, name: str | None = None) -> Spec:
    restart = draw(st.sampled_from(["", "no", "always", "unless-stopped", "on-failure", "on-failure:N"]))
    retries = draw(st.integers(1, 9)) if restart == "on-failure:N" else None
    command = draw(st.none() | st.lists(VALUE_TEXT, min_size=1, max_size=3))
    entrypoint = draw(st.none() | VALUE_TEXT.filter(bool).map(lambda s: [s]))
    return Spec(
        name=name or draw(NAME),
        image=draw(IMAGE),
        command=command,
        entrypoint=entrypoint,
        env=draw(st.dictionaries(ENV_NAME, VALUE_TEXT, max_size=4)),
        ports=draw(st.lists(PORTS, max_size=3, unique_by=lambda p: (p.container_port, p.protocol))),
        mounts=draw(st.lists(MOUNTS, max_size=3, unique_by=lambda m: m.target)),
        labels=draw(st.dictionaries(LABEL_KEY, VALUE_TEXT, max_size=3)),
        restart=restart.partition(":")[0],
        restart_max_retries=retries,
        user=draw(st.sampled_from(["", "1000", "1000:1000", "app", "app:staff"])),
        workdir=draw(st.sampled_from(["", "/app", "/srv/data"])),
        healthcheck=draw(st.none() | HEALTH),
        cpus_milli=draw(st.none() | st.integers(1, 64000)),
        memory_mib=draw(st.none() | st.integers(6, 65536)),
    )


def _port(p: PortSpec) -> list[str]:
    if not p.published:
        return ["--expose", f"{p.container_port}/{p.protocol}"]
    host = "" if p.host_port is None else str(p.host_port)
    prefix = f"{p.host_ip}:{host}:" if p.host_ip else (f"{host}:" if host else "")
    return ["-p", f"{prefix}{p.container_port}/{p.protocol}"]


def render(spec: Spec, long_forms: bool = False, continuation: bool = False) -> str:
    """A `docker run` line a user could paste into a shell; every word quoted with shlex.quote."""
    env_flag, label_flag = ("--env", "--label") if long_forms else ("-e", "-l")
    words = ["docker", "run", "-d", "--name", spec.name]
    for key, value in spec.env.items():
        words += [env_flag, f"{key}={value}"]
    for port in spec.ports:
        words += _port(port)
    for m in spec.mounts:
        words += ["-v", f"{m.source}:{m.target}" + (":ro" if m.read_only else "")]
    for key, value in spec.labels.items():
        words += [label_flag, f"{key}={value}"]
    if spec.restart:
        retries = f":{spec.restart_max_retries}" if spec.restart_max_retries is not None else ""
        words += ["--restart", spec.restart + retries]
    if spec.user:
        words += ["--user" if long_forms else "-u", spec.user]
    if spec.workdir:
        words += ["-w", spec.workdir]
    if spec.entrypoint is not None:
        words += ["--entrypoint", spec.entrypoint[0]]
    if spec.healthcheck is not None:
        hc = spec.healthcheck
        words += ["--health-cmd", hc.test[1], f"--health-interval={int(hc.interval or 0)}s",
                  "--health-retries", str(hc.retries)]
    if spec.cpus_milli is not None:
        words += ["--cpus", f"{spec.cpus_milli / 1000:g}" if spec.cpus_milli % 10 else f"{spec.cpus_milli}/1000"]
    if spec.memory_mib is not None:
        words += ["-m", f"{spec.memory_mib}m"]
    words.append(spec.image)
    words += spec.command or []
    return (" \\\n    " if continuation else " ").join(shlex.quote(w) for w in words) + "\n"


def observed(c: Container) -> Spec:
    """The same fields, read off the Container d2k parsed."""
    return Spec(
        name=c.name,
        image=c.image,
        command=c.command,
        entrypoint=c.entrypoint,
        env={k: e.value for k, e in c.env.items() if e.value is not None},
        ports=[PortSpec(p.container_port, p.protocol, p.published, p.host_port, p.host_ip) for p in c.ports],
        mounts=[MountSpec(m.type, m.source, m.target, m.read_only) for m in c.mounts],
        labels=dict(c.labels),
        restart=c.restart,
        restart_max_retries=c.restart_max_retries,
        user=c.user,
        workdir=c.workdir,
        healthcheck=c.healthcheck,
        cpus_milli=None if c.nano_cpus is None else c.nano_cpus // 1_000_000,
        memory_mib=None if c.memory is None else c.memory // (1024 * 1024),
    )


@SETTINGS
@given(specs(), st.booleans(), st.booleans())
def test_a_rendered_container_parses_back_to_itself(spec: Spec, long_forms: bool, continuation: bool) -> None:
    parsed = parse_text(render(spec, long_forms, continuation), "gen.sh").graph
    assert list(parsed.containers) == [spec.name]
    assert observed(parsed.containers[spec.name]) == spec


@st.composite
def graphs(draw: st.DrawFn) -> list[Spec]:
    names = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    return [draw(specs(name)) for name in names]


def _yaml_12(text: str) -> list[object]:
    return [doc for doc in YAML(typ="safe", pure=True).load_all(io.StringIO(text)) if doc is not None]


@SETTINGS
@given(graphs())
def test_every_output_validates_and_reads_back_the_same(containers: list[Spec]) -> None:
    text = "".join(render(spec) for spec in containers)
    result = convert_text(text, "gen.sh", options=Options(part_of="gen"))
    assert validate_objects(result.objects) == []
    dumped = to_yaml(result.objects)
    assert [o for o in yaml.safe_load_all(dumped)] == result.objects  # YAML 1.1 (PyYAML, kubectl's go-yaml v2)
    assert _yaml_12(dumped) == result.objects  # YAML 1.2 (ruamel)
    again = convert_text(text, "gen.sh", options=Options(part_of="gen"))
    assert to_yaml(again.objects) == dumped and to_json(again.objects) == to_json(result.objects)


TRICKY = ["yes", "no", "on", "off", "y", "n", "Y", "N", "true", "False", "1.10", "0755", "0o17", "0x1F", "0X1F",
          "1e3", "-2E+5", "+inf", "-.inf", ".nan", "~", "null", "Null", "", " ", "123", "-1", "1_000", "1:20",
          "2001-12-14", "=", "<<", "#x", "- a", "a: b", "'", '"', "@x", "`x`", "%x", "!x", "*x", "&x", "|", ">",
          "x\ny", "\ttab", "é", "0x1p-2", "{}", "[]"]


@SETTINGS
@given(st.dictionaries(ENV_NAME.filter(lambda n: "KEY" not in n and "TOKEN" not in n and "SECRET" not in n),
                       st.sampled_from(TRICKY) | VALUE_TEXT, min_size=1, max_size=6))
def test_env_values_stay_strings_in_yaml(env: dict[str, str]) -> None:
    line = "docker run " + " ".join(shlex.quote(f"-e{k}={v}") for k, v in env.items()) + " nginx\n"
    result = convert_text(line, "gen.sh", options=Options())
    dumped = to_yaml(result.objects)
    for loaded in (list(yaml.safe_load_all(dumped)), _yaml_12(dumped)):
        assert loaded == result.objects
        pod = next(spec for o in loaded if isinstance(o, dict) and (spec := pod_spec_of(o)) is not None)
        values = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        for name, value in env.items():
            if name in values and values[name] is not None:
                # a string for every reader, and what the process gets after the kubelet's $(VAR)/$$ expansion
                assert isinstance(values[name], str) and values[name] == escape(value)
                assert expand(values[name], {}) == value


def test_the_tricky_strings_are_quoted_for_go_yaml_too() -> None:
    """kubectl's YAML reader (go-yaml v2) takes plain y/n for booleans and 1e3, 0o17, 0X1F for numbers."""
    dumped = to_yaml([{"data": {v: v for v in TRICKY}}])
    for value in ("y", "n", "Y", "N", "1e3", "0o17", "0X1F", "+inf", "yes", "0755", "1.10", "~"):
        assert f"\n  '{value}': '{value}'\n" in dumped
    assert yaml.safe_load(dumped) == {"data": {v: v for v in TRICKY}}
    assert _yaml_12(dumped) == [{"data": {v: v for v in TRICKY}}]


SHELLISH = st.lists(
    st.sampled_from(["docker run ", "docker ", "run ", "-e ", "-p ", "-v ", "--name ", "x", "=", ":", "/", "80",
                     "'", '"', "\\", "\n", "$", "${", "}", "$(", ")", "`", "#", "|", "&&", ";", "<", ">", "~",
                     "```", "| ", "-", "--", " ", "nginx", "--network container:", "--link a:b", "-it "])
    | st.text(max_size=4),
    max_size=40,
).map("".join)


@SETTINGS
@given(SHELLISH, st.sampled_from(["gen.txt", "gen.sh", "gen.md"]))
def test_any_text_raises_nothing_but_input_error(text: str, file: str) -> None:
    try:
        result = convert_text(text, file, options=Options())
    except InputError as err:
        assert str(err).startswith(file)
        assert "\n" not in err.message
    else:
        to_yaml(result.objects)
