"""How d2k reads a docker command's words: Docker CLI 28 rules (cobra + pflag), one test per rule.

The rules are those of section 2.1 of docker-run-reference.md; each error test pins the exact
`FILE:LINE: message` the user sees, on a multi-line input so the line is not trivially 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from d2k.errors import InputError
from d2k.model import Container, Fate, Origin
from d2k.parsers.docker_run import Parsed, parse_run, parse_text
from d2k.parsers.text import extract
from d2k.report import Severity

FLAG_FILES = str(Path(__file__).resolve().parent / "fixtures" / "flags")


def parse(text: str) -> Parsed:
    return parse_text(text if text.endswith("\n") else text + "\n", "cmds.txt", base_dir=FLAG_FILES)


def run(line: str) -> Container:
    """The container of the last docker command of the text."""
    return list(parse(line).graph.containers.values())[-1]


def error(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse(text)
    return str(caught.value)


def texts(c: Container) -> list[tuple[str, str]]:
    return [(use.flag, use.text) for use in c.flags]


# ---- long flags ----------------------------------------------------------------------------------


def test_long_flag_takes_its_value_after_equals_or_as_the_next_word() -> None:
    assert run("docker run --name=web alpine").name == run("docker run --name web alpine").name == "web"
    assert texts(run("docker run --name=web alpine")) == [("--name", "--name=web")]
    assert texts(run("docker run --name web alpine")) == [("--name", "--name web")]


def test_long_flag_with_equals_and_nothing_sets_an_empty_value() -> None:
    c = run("docker run --workdir=/app --workdir= alpine")
    assert c.workdir == ""
    assert run("docker run --entrypoint= alpine sh").entrypoint == []


def test_long_non_bool_flag_consumes_the_next_word_even_when_it_starts_with_a_dash() -> None:
    c = run("docker run --memory-swap -1 --hostname -d alpine")
    assert [use.flag for use in c.flags] == ["--memory-swap", "--hostname"]
    assert c.hostname == "-d"
    assert c.detach is False
    assert c.image == "alpine"


# ---- short flags ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["-p 8080:80", "-p8080:80", "-p=8080:80", "--publish=8080:80", "--publish 8080:80"])
def test_publish_spellings_are_equivalent(spelling: str) -> None:
    c = run(f"docker run {spelling} nginx")
    assert [(p.host_port, p.container_port, p.published) for p in c.ports] == [(8080, 80, True)]
    assert texts(c) == [("--publish", spelling)]


def test_bool_shorthands_combine() -> None:
    c = run("docker run -dit alpine")
    assert (c.detach, c.stdin_open, c.tty) == (True, True, True)
    assert texts(c) == [("--detach", "-dit"), ("--interactive", "-dit"), ("--tty", "-dit")]


@pytest.mark.parametrize("line", ["docker run -dp 80:80 nginx", "docker run -dp80:80 nginx", "docker run -dp=80:80 nginx"])
def test_first_valued_shorthand_of_a_cluster_takes_the_rest_or_the_next_word(line: str) -> None:
    c = run(line)
    assert c.detach is True
    assert [(p.host_port, p.container_port) for p in c.ports] == [(80, 80)]
    assert c.image == "nginx" and c.command is None


def test_valued_shorthand_after_several_bools() -> None:
    c = run("docker run -itp80:80 nginx")
    assert (c.stdin_open, c.tty, c.detach) == (True, True, False)
    assert [(p.host_port, p.container_port) for p in c.ports] == [(80, 80)]
    assert texts(c)[-1] == ("--publish", "-itp80:80")


def test_bool_shorthand_with_equals_takes_a_bool() -> None:
    c = run("docker run -t=false -i=1 alpine")
    assert (c.tty, c.stdin_open) == (False, True)


def test_h_is_hostname_not_help() -> None:
    c = run("docker run -h myhost alpine")
    assert c.hostname == "myhost"
    assert texts(c) == [("--hostname", "-h myhost")]


def test_h_takes_a_dash_word_as_its_value() -> None:
    c = run("docker run -h -d alpine")
    assert (c.hostname, c.detach) == ("-d", False)


# ---- bool flags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "value"), [(w, True) for w in ("1", "t", "T", "TRUE", "true", "True")]
                         + [(w, False) for w in ("0", "f", "F", "FALSE", "false", "False")])  # fmt: skip
def test_bool_flag_takes_go_bool_spellings_after_equals(word: str, value: bool) -> None:
    assert run(f"docker run --rm={word} alpine").auto_remove is value


def test_bare_bool_flag_is_true() -> None:
    assert run("docker run --rm --privileged alpine").privileged is True


def test_bool_flag_never_takes_the_next_word() -> None:
    """`--rm false`: `false` is the IMAGE (Docker answers `No such image: false:latest`)."""
    c = run("docker run --rm false")
    assert (c.auto_remove, c.image, c.command) == (True, "false", None)


def test_bool_flag_rejects_other_spellings() -> None:
    assert error("docker run alpine\ndocker run --rm=yes alpine") == (
        'cmds.txt:2: invalid value for --rm: strconv.ParseBool: parsing "yes": invalid syntax (use true or false)'
    )


# ---- where options end ---------------------------------------------------------------------------


def test_double_dash_ends_options() -> None:
    c = run("docker run -e A=1 -- alpine -x")
    assert (c.image, c.command, list(c.env)) == ("alpine", ["-x"], ["A"])


def test_the_image_ends_options_and_the_rest_is_the_command_verbatim() -> None:
    c = run("docker run -d redis --appendonly yes")
    assert (c.image, c.command) == ("redis", ["--appendonly", "yes"])
    c = run("docker run portainer/portainer-ce -l owner=acme")
    assert (c.labels, c.command) == ({}, ["-l", "owner=acme"])


def test_double_dash_after_the_image_is_an_argument() -> None:
    assert run("docker run alpine -- echo hi").command == ["--", "echo", "hi"]


def test_a_word_after_double_dash_is_the_image_even_when_it_looks_like_a_flag() -> None:
    assert error("docker run -- -x") == (
        "cmds.txt:1: invalid reference format: '-x' is not an image name: put the image after the options"
    )


# ---- repeats -------------------------------------------------------------------------------------


def test_list_flags_accumulate() -> None:
    c = run("docker run -p 80:80 -p 443:443 -v aa:/a -v bb:/b --cap-add NET_ADMIN --cap-add SYS_TIME "
            "--dns 1.1.1.1 --dns 8.8.8.8 --add-host a:10.0.0.1 --add-host b:10.0.0.2 alpine")  # fmt: skip
    assert [p.container_port for p in c.ports] == [80, 443]
    assert [m.source for m in c.mounts] == ["aa", "bb"]
    assert c.cap_add == ["NET_ADMIN", "SYS_TIME"]
    assert c.dns == ["1.1.1.1", "8.8.8.8"]
    assert c.add_hosts == [("a", "10.0.0.1"), ("b", "10.0.0.2")]


def test_string_flags_keep_the_last_value() -> None:
    c = run("docker run --name a1 --name b2 --pull always --pull=never -w /a -w /b --restart no "
            "--restart always alpine")  # fmt: skip
    assert (c.name, c.pull, c.workdir, c.restart) == ("b2", "never", "/b", "always")
    assert [use.text for use in c.flags if use.flag == "--name"] == ["--name a1", "--name b2"]


def test_env_duplicate_keys_last_wins() -> None:
    c = run("docker run -e A=1 -e B=x -e A=2 alpine")
    assert {k: e.value for k, e in c.env.items()} == {"A": "2", "B": "x"}


def test_env_flag_wins_over_env_file_whatever_the_order() -> None:
    c = run("docker run -e LOG_LEVEL=info --env-file app.env alpine")
    assert {k: (e.value, e.env_file) for k, e in c.env.items()} == {
        "LOG_LEVEL": ("info", ""), "WORKERS": ("4", "app.env")
    }  # fmt: skip


def test_map_flags_merge_by_key() -> None:
    c = run("docker run --sysctl net.ipv4.ip_forward=0 --sysctl net.core.somaxconn=1 "
            "--sysctl net.ipv4.ip_forward=1 alpine")  # fmt: skip
    assert c.sysctls == {"net.ipv4.ip_forward": "1", "net.core.somaxconn": "1"}


# ---- command forms -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["docker run", "docker container run", "docker create", "docker container create",
                                    "sudo docker run", "podman run"])  # fmt: skip
def test_run_and_create_forms_read_the_same_options(prefix: str) -> None:
    c = run(f"{prefix} --name web -p 8080:80 -e A=1 nginx")
    assert (c.name, c.image, [p.container_port for p in c.ports], list(c.env)) == ("web", "nginx", [80], ["A"])


@pytest.mark.parametrize(("flag", "message"), [
    ("-d", "unknown shorthand flag: 'd' in -d: docker create does not take --detach (docker run only)"),
    ("-it -d", "unknown shorthand flag: 'd' in -d: docker create does not take --detach (docker run only)"),
    ("--detach", "unknown flag: --detach: docker create does not take --detach (docker run only)"),
    ("--sig-proxy=false", "unknown flag: --sig-proxy: docker create does not take --sig-proxy (docker run only)"),
    ("--detach-keys ctrl-x", "unknown flag: --detach-keys: docker create does not take --detach-keys (docker run only)"),
])  # fmt: skip
def test_create_rejects_the_run_only_flags(flag: str, message: str) -> None:
    assert error(f"docker create alpine\ndocker container create {flag} busybox") == f"cmds.txt:2: {message}"


def test_create_takes_every_other_flag() -> None:
    c = run("docker create --rm -it --name job busybox")
    assert (c.auto_remove, c.tty, c.name) == (True, True, "job")


@pytest.mark.parametrize("globals_", ["-H tcp://10.0.0.1:2375", "--host=unix:///var/run/docker.sock",
                                      "-D --context prod", "--config /etc/docker -l debug", "--tlsverify --tls",
                                      "--log-level=warn --tlscacert ca.pem --tlscert c.pem --tlskey k.pem"])  # fmt: skip
def test_docker_global_options_before_the_command_are_skipped(globals_: str) -> None:
    c = run(f"docker {globals_} run -d --name web nginx")
    assert (c.name, c.image, c.detach) == ("web", "nginx", True)


def test_unknown_global_option_is_an_error() -> None:
    assert error("docker run alpine\ndocker --bogus run alpine") == (
        "cmds.txt:2: unknown docker option --bogus before the command: remove it"
    )


def test_network_and_volume_create_declare_them() -> None:
    parsed = parse("docker network create --driver bridge --subnet 10.1.0.0/24 backend\n"
                   "docker network create frontend\n"
                   "docker volume create --driver local --label tier=db dbdata\n"
                   "docker volume create cache\n"
                   "docker run alpine\n")  # fmt: skip
    assert sorted(parsed.graph.networks) == ["backend", "frontend"]
    assert sorted(parsed.graph.volumes) == ["cache", "dbdata"]
    assert parsed.graph.networks["backend"].origin is not None
    assert parsed.graph.networks["backend"].origin.line == 1
    assert parsed.graph.volumes["dbdata"].origin is not None
    assert parsed.graph.volumes["dbdata"].origin.line == 3


def test_volume_create_without_a_name_is_an_error() -> None:
    assert error("docker run alpine\ndocker volume create\n") == (
        "cmds.txt:2: docker volume create without a name makes an anonymous volume: name it"
    )


@pytest.mark.parametrize(("line", "shown"), [
    ("docker ps", "docker ps"),
    ("docker pull redis:7", "docker pull redis:7"),
    ("docker compose up -d", "docker compose up"),
    ("docker build -t app .", "docker build -t"),
    ("docker --version", "docker --version"),
    ("docker -v", "docker -v"),
    ("docker network ls", "docker network ls"),
    ("docker container ls", "docker container ls"),
])  # fmt: skip
def test_other_docker_commands_are_skipped_with_an_info(line: str, shown: str) -> None:
    parsed = parse(f"docker run alpine\n{line}\n")
    assert list(parsed.graph.containers) == ["alpine"]
    skipped = [d for d in parsed.report.diagnostics if d.code == "skipped-command"]
    assert [(d.severity, d.message, d.origin.line if d.origin else 0) for d in skipped] == [
        (Severity.INFO, f"skipped: `{shown}` defines no container", 2)
    ]


def test_run_help_is_skipped_with_an_info() -> None:
    parsed = parse("docker run alpine\ndocker run --help\n")
    assert list(parsed.graph.containers) == ["alpine"]
    assert [(d.code, d.severity) for d in parsed.report.diagnostics] == [("skipped-help", Severity.INFO)]


# ---- how flags are recorded ----------------------------------------------------------------------


def test_each_flag_use_keeps_the_line_of_its_word() -> None:
    c = run("docker run -d \\\n  --name web \\\n  -p 80:80 \\\n  nginx\n")
    assert [(use.flag, use.origin.line) for use in c.flags] == [("--detach", 1), ("--name", 2), ("--publish", 3)]
    assert c.origin.line == 1


def test_flag_text_is_shell_quoted_as_written() -> None:
    c = run("docker run --health-cmd 'curl -f http://localhost/' --entrypoint '' -e 'GREETING=hello world' alpine sh")
    assert [use.text for use in c.flags] == [
        "--health-cmd 'curl -f http://localhost/'", "--entrypoint ''", "-e 'GREETING=hello world'"
    ]  # fmt: skip


@pytest.mark.parametrize("spelling", ["-e DB_PASSWORD=hunter2", "-eDB_PASSWORD=hunter2", "-e=DB_PASSWORD=hunter2",
                                      "--env DB_PASSWORD=hunter2", "--env=DB_PASSWORD=hunter2"])  # fmt: skip
def test_credential_values_are_redacted_however_the_flag_is_spelled(spelling: str) -> None:
    c = run(f"docker run {spelling} alpine")
    assert c.env["DB_PASSWORD"].value == "hunter2"
    assert "hunter2" not in c.flags[0].text
    assert "DB_PASSWORD=<redacted>" in c.flags[0].text


def test_parse_run_reads_words_directly() -> None:
    words = extract("docker run -d --name web -p 80:80 nginx -g 'daemon off;'\n", "t.txt").commands[0].words
    c = parse_run(words[2:], "t.txt", Origin("t.txt", 1))
    assert (c.name, c.image, c.command, c.detach) == ("web", "nginx", ["-g", "daemon off;"], True)
    assert [use.fate for use in c.flags] == [Fate.IRRELEVANT, Fate.MAPPED, Fate.MAPPED]


def test_container_name_is_derived_from_the_image_and_made_unique() -> None:
    parsed = parse("docker run -d registry.example.com:5000/team/api:1.2\ndocker run team/api@sha256:" + "a" * 64 + "\n")
    assert list(parsed.graph.containers) == ["api", "api-2"]
    assert [c.name_given for c in parsed.graph.containers.values()] == [False, False]


# ---- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("docker run alpine\ndocker run \\\n  --foo bar \\\n  alpine",
     "cmds.txt:3: unknown flag: --foo: see `docker run --help` for the flags Docker accepts"),
    ("docker run alpine\ndocker run -x alpine", "cmds.txt:2: unknown shorthand flag: 'x' in -x: see `docker run --help`"),
    ("docker run alpine\ndocker run -dix alpine",
     "cmds.txt:2: unknown shorthand flag: 'x' in -dix: see `docker run --help`"),
    ("docker run alpine\n\ndocker run --name", "cmds.txt:3: flag needs an argument: --name"),
    ("docker run alpine\ndocker run -d -p", "cmds.txt:2: flag needs an argument: 'p' in -p"),
    ("docker run alpine\ndocker run -dp", "cmds.txt:2: flag needs an argument: 'p' in -dp"),
    ("docker run alpine\ndocker run -d",
     "cmds.txt:2: docker run needs an image: 'docker run' requires at least 1 argument"),
    ("docker run alpine\ndocker run -e alpine",
     "cmds.txt:2: docker run needs an image: 'docker run' requires at least 1 argument"),
    ("docker run alpine\ndocker run -d \\\n  Alpine",
     "cmds.txt:3: invalid reference format: 'Alpine' is not an image name: put the image after the options"),
    ("docker run alpine\ndocker run -d [IMAGE]",
     "cmds.txt:2: invalid reference format: '[IMAGE]' is not an image name: put the image after the options"),
    ("docker run --name web alpine\ndocker run alpine\ndocker run --name web nginx",
     "cmds.txt:3: two containers are named web (first at line 1): rename one"),
    ("docker run alpine\ndocker run --stop-timeout 10s alpine",
     "cmds.txt:2: invalid value for --stop-timeout: " + 'invalid argument "10s" for "--stop-timeout" flag: '
     'strconv.ParseInt: parsing "10s": invalid syntax'),
])  # fmt: skip
def test_input_errors_name_the_file_and_line(text: str, message: str) -> None:
    assert error(text) == message


# ---- conflicts Docker refuses --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("docker run alpine\ndocker run --rm \\\n  -d \\\n  --restart always alpine",
     "cmds.txt:4: conflicting options: cannot specify both --restart and --rm"),
    ("docker run alpine\ndocker run --restart=on-failure:3 --rm alpine",
     "cmds.txt:2: conflicting options: cannot specify both --restart and --rm"),
    ("docker run alpine\ndocker run --no-healthcheck \\\n  --health-cmd 'curl -f localhost' alpine",
     "cmds.txt:3: --no-healthcheck conflicts with --health-* options: keep one"),
    ("docker run alpine\ndocker run --health-interval 5s \\\n  --no-healthcheck alpine",
     "cmds.txt:3: --no-healthcheck conflicts with --health-* options: keep one"),
    ("docker run alpine\ndocker run \\\n  --network-alias web nginx",
     "cmds.txt:3: network-scoped aliases are only supported for user-defined networks: add --network NAME"),
    ("docker run alpine\ndocker run --network bridge --network-alias web nginx",
     "cmds.txt:2: network-scoped aliases are only supported for user-defined networks: add --network NAME"),
    ("docker network create backend\ndocker run --network name=backend,alias=a \\\n  --network-alias b nginx",
     "cmds.txt:3: conflicting options: cannot specify both --network-alias and per-network alias: keep one"),
    ("docker network create backend\ndocker run --network host \\\n  --network backend nginx",
     "cmds.txt:3: conflicting options: cannot attach both user-defined and non-user-defined network-modes"),
    ("docker run --name app alpine\ndocker run -p 80:80 \\\n  --network container:app nginx",
     "cmds.txt:3: conflicting options: port publishing and the container type network mode: publish on app"),
    ("docker run alpine\ndocker run --log-driver none \\\n  --log-opt max-size=10m alpine",
     "cmds.txt:3: invalid logging opts for driver none: remove the --log-opt flags"),
    ("docker run alpine\ndocker run --log-opt max-size=10m \\\n  --log-driver=none alpine",
     "cmds.txt:3: invalid logging opts for driver none: remove the --log-opt flags"),
    ("docker run alpine\ndocker run -a stdout \\\n  -d alpine",
     "cmds.txt:3: conflicting options: cannot specify both --attach and --detach"),
    ("docker run alpine\ndocker run --cpus 2 \\\n  --cpu-quota 50000 alpine",
     "cmds.txt:3: conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: keep --cpus"),
])  # fmt: skip
def test_conflicting_options_name_the_line_of_the_later_flag(text: str, message: str) -> None:
    assert error(text) == message


@pytest.mark.parametrize("line", [
    "docker run --rm --restart no alpine",
    "docker run --rm=false --restart always alpine",
    "docker run -a stdout -d=false alpine",
    "docker run --log-driver none alpine",
    "docker run --log-driver none --log-driver json-file --log-opt max-size=1m alpine",
    "docker run --no-healthcheck=false --health-cmd true alpine",
])  # fmt: skip
def test_combinations_docker_accepts(line: str) -> None:
    assert run(line).image == "alpine"


def test_entrypoint_reset_without_a_command_is_rejected_like_the_engine_does() -> None:
    from d2k.parsers.docker_run import parse_text

    with pytest.raises(InputError) as err:
        parse_text("docker run -d --name app \\\n  --entrypoint '' alpine\n", "cmds.txt")
    assert str(err.value).startswith("cmds.txt:2: No command specified")


@pytest.mark.parametrize("flag", ["-m 4m", "--memory-reservation 5m", "--kernel-memory 1m"])
def test_memory_below_the_engine_minimum_is_rejected(flag: str) -> None:
    from d2k.parsers.docker_run import parse_text

    with pytest.raises(InputError, match="allowed is 6MB"):
        parse_text(f"docker run {flag} alpine\n", "cmds.txt")


def test_network_and_volume_create_names_skip_option_values() -> None:
    from d2k.parsers.docker_run import parse_text

    text = ("docker network create -d bridge --subnet=10.9.0.0/16 back\n"
            "docker volume create --name data\n"
            "docker run -d --name app --network back -v data:/data alpine\n")  # fmt: skip
    graph = parse_text(text, "cmds.txt").graph
    assert list(graph.networks) == ["back"] and list(graph.volumes) == ["data"]
    with pytest.raises(InputError) as err:
        parse_text("docker network create -d bridge\ndocker run -d alpine\n", "cmds.txt")
    assert str(err.value) == "cmds.txt:1: docker network create needs a name"
