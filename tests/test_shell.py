"""What the shell around `docker run` does (issue 9, item 3): read, or reported with its text.

Each test names the shell or Docker behaviour it pins. The engine-backed ones (a bare `-e KEY`,
stdin with and without -i) are in tests/test_differential.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, Result, convert_text
from d2k.emitters.workloads import pod_spec_of
from d2k.errors import InputError
from d2k.parsers.text import extract
from d2k.report import Diagnostic, Severity

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "/home/user/shop"


def convert(text: str, file: str = "deploy.sh", **variables: str) -> Result:
    return convert_text(text, file, options=Options(variables=variables), base_dir="/nonexistent",
                        folder=FOLDER)


def found(result: Result, code: str) -> list[Diagnostic]:
    return [d for d in result.report.diagnostics if d.code == code]


def container(result: Result, name: str) -> dict[str, Any]:
    for obj in result.objects:
        spec = pod_spec_of(obj)
        if spec is not None and obj["metadata"]["name"] == name:
            return spec["containers"][0]  # type: ignore[no-any-return]
    raise AssertionError(f"no workload {name}")


def env_of(result: Result, name: str) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(result, name).get("env", [])}


# ---------------------------------------------------------------- stdin and output


@pytest.mark.parametrize("feed, shown", [
    ("psql < seed.sql", "<seed.sql"),  # ordinary spacing: the text as written, without the blank
    ("psql <<'SQL'\nINSERT INTO t VALUES (1);\nSQL", "<<'SQL' (a here-document)"),
    ("psql <<< 'select 1'", "<<< (a here-string)"),
])
def test_stdin_fed_to_docker_run_i_is_not_carried_and_nothing_attaches(feed: str, shown: str) -> None:
    # docker run -i forwards the CLI's stdin (the file, here-document) to the process, which then
    # reads end-of-input; no manifest can feed it, and stdin: true would make it wait forever instead
    result = convert(f"docker run -i --name loader postgres:16 {feed}\n")
    (diagnostic,) = found(result, "stdin-not-carried")
    assert diagnostic.severity is Severity.NOT_CARRIED and diagnostic.container == "loader"
    assert shown in diagnostic.message and "kubectl exec -i" in diagnostic.message
    assert "INSERT" not in diagnostic.message  # a here-document's body may hold data: never echoed
    assert "stdin" not in container(result, "loader")


def test_input_fed_to_docker_exec_is_not_carried() -> None:
    result = convert("docker run -d --name db postgres:16\ndocker exec -i db psql -U postgres < dump.sql\n")
    (diagnostic,) = found(result, "exec-input-not-carried")
    assert diagnostic.severity is Severity.NOT_CARRIED and "<dump.sql" in diagnostic.message


def test_stdin_from_dev_null_is_no_input_as_in_kubernetes() -> None:
    result = convert("docker run -i --name quiet alpine cat < /dev/null\n")
    assert not found(result, "stdin-not-carried") and found(result, "stdin-empty")
    assert "stdin" not in container(result, "quiet")


def test_a_pipe_into_docker_run_i_is_stdin_too() -> None:
    result = convert("cat rows.csv | docker run -i --name count alpine wc -l\n")
    (diagnostic,) = found(result, "stdin-not-carried")
    assert "a pipe from cat" in diagnostic.message and "cat ... | kubectl exec -i" in diagnostic.message


def test_stdin_without_i_is_ignored_by_docker_so_only_noted() -> None:
    # without -i the docker CLI does not attach stdin: the container never sees the here-document
    result = convert("docker run --name tt alpine cat <<EOF\nhello\nEOF\n")
    assert not found(result, "stdin-not-carried")
    (note,) = found(result, "stdin-ignored")
    assert note.severity is Severity.INFO


def test_stdin_of_a_detached_run_is_not_read() -> None:
    result = convert("docker run -d -i --name bg alpine cat < in.txt\n")
    assert found(result, "stdin-ignored") and container(result, "bg")["stdin"] is True


def test_a_terminal_fed_from_a_file_is_refused_as_docker_does() -> None:
    # `echo hi | docker run -it ...`: the docker CLI exits 1, "the input device is not a TTY"
    with pytest.raises(InputError) as caught:
        convert("echo hi | docker run -it --name tt alpine cat\n")
    assert "not a TTY" in caught.value.message and caught.value.line == 1


def test_an_interactive_session_keeps_stdin() -> None:
    result = convert("docker run -it --name shell alpine sh\n")
    assert container(result, "shell")["stdin"] is True and not found(result, "stdin-not-carried")


@pytest.mark.parametrize("tail, shown", [
    ("> out.txt", ">out.txt"),
    ("2>&1 | tee run.log", "| tee"),
    (">> log.txt 2>&1", ">>log.txt"),
])
def test_output_sent_to_a_file_or_pipe_is_not_carried(tail: str, shown: str) -> None:
    result = convert(f"docker run --name job alpine echo done {tail}\n")
    (diagnostic,) = found(result, "output-not-carried")
    assert diagnostic.severity is Severity.NOT_CARRIED and shown in diagnostic.message
    assert "kubectl logs job" in diagnostic.message


def test_output_of_a_detached_run_is_the_container_id() -> None:
    result = convert("docker run -d --name web nginx > web.id\nID=$(docker run -d --name api nginx)\n")
    assert not found(result, "output-not-carried")
    assert len(found(result, "output-id")) == 2


def test_output_to_dev_null_is_only_noted() -> None:
    result = convert("docker run --name quiet alpine true >/dev/null 2>&1\n")
    assert [d.severity for d in found(result, "output-discarded")] == [Severity.INFO]


def test_docker_refuses_nothing_here_but_every_feed_keeps_its_line() -> None:
    result = convert("docker run -d --name app nginx\n\ndocker run -i --name box alpine \\\n  cat < in.txt\n")
    (diagnostic,) = found(result, "stdin-not-carried")
    assert diagnostic.origin is not None and diagnostic.origin.line == 4


# ---------------------------------------------------------------- substitutions and script shapes


def test_docker_run_in_a_command_substitution_is_read() -> None:
    text = "ID=$(docker run -d --name one nginx)\nOUT=`docker run --name two alpine echo \\`hostname\\``\n"
    commands = extract(text, "run.sh").commands
    assert [[w.text for w in c.words] for c in commands] == [
        ["docker", "run", "-d", "--name", "one", "nginx"],
        ["docker", "run", "--name", "two", "alpine", "echo", "`hostname`"],  # the inner \` un-escaped
    ]
    assert [f.text.split(" ")[:2] for c in commands for f in c.feeds] == [["captured", "by"]] * 2
    result = convert(text)
    assert list(result.graph.containers) == ["one", "two"]
    assert len(found(result, "output-not-carried")) == 1  # two's output went into $OUT


def test_ordinary_script_shapes_are_read() -> None:
    text = """set -euo pipefail
start_db() {
  docker run -d --name db postgres:16 || true
}
if ! docker ps | grep -q cache; then
  docker run -d --name cache redis &
fi
case "${1:-up}" in
  up) docker run -d --name web nginx ;;
esac
for n in 1 2; do docker run -d --name worker-$n busybox; done
"""
    names = [[w.text for w in c.words][4] for c in extract(text, "up.sh").commands
             if [w.text for w in c.words][1] == "run"]
    assert names == ["db", "cache", "web", "worker-$n"]  # a loop variable stays unresolved, reported


def test_here_document_a_shell_runs_is_read_and_other_readers_reported() -> None:
    text = "ssh prod <<'EOF'\ndocker run -d --name remote nginx\nEOF\ncat > later.sh <<EOF\ndocker run -d --name notyet nginx\nEOF\n"
    result = extract(text, "x.sh")
    assert [[w.text for w in c.words][-1] for c in result.commands] == ["nginx"]
    by_code = {d.code: d for d in result.diagnostics}
    assert by_code["here-document-script"].severity is Severity.INFO
    assert by_code["here-document-not-read"].severity is Severity.NOT_CARRIED
    assert "cat" in by_code["here-document-not-read"].message


def test_deeply_nested_docker_substitutions_stop_cleanly() -> None:
    text = "X=" + "$(docker run -d " * 200 + "nginx" + ")" * 200 + "\n"
    with pytest.raises(InputError) as caught:
        extract(text, "deep.sh")
    assert "nested too deeply" in caught.value.message


@pytest.mark.parametrize("line, shown", [
    ("docker run -e TOKEN=<your-token> app", "<your-token>"),
    ("docker run --add-host db:<server container IP> app", "<server container IP>"),
    ("docker run -p <PORT>:80 nginx", "<PORT>"),
    ("TOKEN=<your-token>\ndocker run -e TOKEN=$TOKEN app", "<your-token>"),
])
def test_a_documentation_placeholder_stops_with_file_and_line(line: str, shown: str) -> None:
    with pytest.raises(InputError) as caught:
        extract(line + "\n", "cmds.txt")
    assert shown in caught.value.message and "fill it in" in caught.value.message
    assert caught.value.line == 1


def test_real_redirections_are_not_placeholders() -> None:
    (command,) = extract("docker run -i --name tt alpine cat < in.txt >out.txt\n", "x.sh").commands
    assert [f.text for f in command.feeds] == ["<in.txt", ">out.txt"]


def test_a_continuation_broken_by_a_trailing_space_stops_before_losing_options() -> None:
    # `\ ` then newline: the shell ends the command there and runs `-p 80:80 \` as a command of its own
    with pytest.raises(InputError) as caught:
        extract("docker run -d \\ \n  -p 80:80 \\\n  nginx\n", "run.sh")
    assert caught.value.line == 1 and "remove the space" in caught.value.message
    assert [w.text for w in extract("docker run -d nginx \\\n  -p 80:80\n", "run.sh").commands[0].words][-1] == "80:80"


# ---------------------------------------------------------------- variables


def test_var_gives_a_value_the_script_never_sets() -> None:
    text = "docker run --name web nginx:$TAG\ndocker run --name api $REG/api:$TAG\n"
    result = convert(text, TAG="1.2", REG="example.com")
    assert [c.image for c in result.graph.containers.values()] == ["nginx:1.2", "example.com/api:1.2"]
    assert not found(result, "unresolved-variable")


def test_var_answers_an_ambiguous_if_over_the_scripts_assignments() -> None:
    text = 'if [ "$1" = prod ]; then\n  TAG=1.0\nelse\n  TAG=dev\nfi\ndocker run --name web nginx:$TAG\n'
    result = convert(text, TAG="1.0")
    assert result.graph.containers["web"].image == "nginx:1.0" and not found(result, "ambiguous-assignment")
    assert [d.origin.line for d in found(result, "var-given") if d.origin] == [2, 4]


def test_one_unresolved_diagnostic_per_variable_listing_its_lines() -> None:
    result = convert("docker run --name app nginx:$TAG\ndocker run --name box $REG/b:$TAG\n")
    messages = sorted(d.message for d in found(result, "unresolved-variable"))
    assert messages == [
        "$REG is not set in the input (line 2): kept as written; give its value with --var REG=VALUE",
        "$TAG is not set in the input (lines 1, 2): kept as written; give its value with --var TAG=VALUE",
    ]


@pytest.mark.parametrize("source", ["$(pwd)", "$PWD", "${PWD}", "`pwd`"])
def test_pwd_in_volume_and_mount_sources_is_the_input_folder(source: str) -> None:
    text = f"docker run --name ww -v {source}/conf:/conf --mount type=bind,src={source}/data,dst=/data nginx\n"
    result = convert(text)
    paths = sorted(v["hostPath"]["path"] for o in result.objects if (spec := pod_spec_of(o)) is not None
                   for v in spec["volumes"])
    assert paths == [f"{FOLDER}/conf", f"{FOLDER}/data"]
    (note,) = found(result, "working-folder")  # one per line and form
    assert FOLDER in note.message and note.severity is Severity.APPROXIMATED


def test_cd_moves_the_folder_pwd_names() -> None:
    result = convert("cd deploy\ndocker run --name ww -v $(pwd)/x:/x nginx\n")
    assert f"{FOLDER}/deploy/x" in str(result.objects)


def test_pwd_of_stdin_input_is_the_current_folder(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "d2k", "from-commands", "-", "-q"], capture_output=True, text=True,
                          cwd=tmp_path, input="docker run --name ww -v $(pwd)/x:/x nginx\n",
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"path: {tmp_path}/x" in done.stdout


def test_an_assignment_in_both_branches_of_an_if_is_reported_with_the_value_used() -> None:
    text = 'if [ "$1" = prod ]; then\n  TAG=1.0\nelse\n  TAG=dev\nfi\ndocker run --name web nginx:$TAG\n'
    result = convert(text)
    assert result.graph.containers["web"].image == "nginx:dev"  # the shell's last assignment in file order
    (diagnostic,) = found(result, "ambiguous-assignment")
    assert "lines 2, 4" in diagnostic.message and "line 4" in diagnostic.message
    assert "--var TAG=VALUE" in diagnostic.message and "dev" not in diagnostic.message  # no values in messages


def test_an_assignment_after_and_or_is_reported_as_conditional() -> None:
    text = ("MODE=prod\n[ -f .staging ] && MODE=staging\ntest -n \"$CI\" || export TAG=dev\n"
            "READY=1 && echo go\ndocker run --name web -e MODE=$MODE -e READY=$READY nginx:$TAG\n")
    result = convert(text)
    web = result.graph.containers["web"]
    assert web.image == "nginx:dev" and web.env["MODE"].value == "staging"  # the values a shell that ran them has
    messages = sorted(d.message for d in found(result, "conditional-assignment"))
    assert messages == [
        "$MODE is set at line 2 only if the command before its && succeeds: d2k used that value; "
        "give the one you mean with --var MODE=VALUE",
        "$TAG is set at line 3 only if the command before its || fails: d2k used that value; "
        "give the one you mean with --var TAG=VALUE",
    ]  # READY=1 runs first in its list: always set, nothing to say; no values in the messages


# ---------------------------------------------------------------- shell functions


def _function_notes(result: Result) -> dict[int, tuple[str, str]]:
    return {d.origin.line: (d.severity.value, d.message) for d in found(result, "in-function") if d.origin}


def test_docker_commands_in_functions_say_where_the_input_calls_them() -> None:
    text = ("start_db() {\n  docker run -d --name db postgres:16\n}\n"
            "function start_web {\n  { echo a; echo b; } > log\n  docker run -d --name web nginx:1.27\n}\n"
            "legacy()\n{\n  docker run -d --name legacy busybox:1.36 sleep 100\n}\n"
            "start_db\nif [ -n \"$X\" ]; then start_web; fi\nOUT=$(start_web)\n"
            "{ docker run -d --name grouped redis:7; }\ndocker run -d --name top redis:7\n")
    result = convert(text)
    assert set(result.graph.containers) == {"db", "web", "legacy", "grouped", "top"}  # all still converted
    assert _function_notes(result) == {
        2: ("info", "inside function start_db (line 1), which the input calls at line 12: converted once, as written"),
        6: ("info", "inside function start_web (line 4), which the input calls at lines 13, 14: converted once, "
                    "as written"),
        10: ("approximated", "inside function legacy (line 8), which the input never calls: a shell would not run "
                             "this docker command; d2k reads it as written (remove it from the input if it is not "
                             "meant to run)"),
    }  # the `{ ...; }` groups (in start_web, and around grouped) are not function bodies


def test_a_function_defined_in_one_markdown_block_and_called_in_another_is_called() -> None:
    text = ("Define it:\n\n```sh\nup() {\n  docker run -d --name api nginx:1.27\n}\n```\n\n"
            "Then run it:\n\n```sh\nup\n```\n")
    result = convert(text, "README.md")
    ((severity, message),) = _function_notes(result).values()
    assert severity == "info" and "calls at line 12" in message


# ---------------------------------------------------------------- bare -e KEY and env-file KEY


def test_bare_env_takes_what_docker_cli_would_see() -> None:
    text = ("export EXPORTED=yes\nASSIGNED=no\n"
            "PREFIXED=p docker run --name app -e EXPORTED -e ASSIGNED -e PREFIXED -e GIVEN -e NEVER alpine\n")
    result = convert(text, GIVEN="from-var")
    assert env_of(result, "app") == {"EXPORTED": "yes", "PREFIXED": "p", "GIVEN": "from-var"}
    notes = {u.text: u.note for u in result.graph.containers["app"].flags if u.flag == "--env"}
    assert "not exported" in notes["-e ASSIGNED"] and "left out" in notes["-e NEVER"]


def test_set_a_exports_later_assignments_and_source_is_reported() -> None:
    text = ("set -a\nMODE=fast\nset +a\nLOCAL=1\n. ./secrets.env\n"
            "docker run --name app -e MODE -e LOCAL -e FROM_FILE alpine\n")
    result = convert(text)
    assert env_of(result, "app") == {"MODE": "fast"}
    (note,) = found(result, "source-not-read")
    assert "./secrets.env" in note.message and "--var" in note.message


def test_sudo_resets_the_environment_unless_e() -> None:
    text = "export REG=x\nsudo docker run --name app -e REG alpine\nsudo -E docker run --name box -e REG alpine\n"
    result = convert(text)
    assert env_of(result, "app") == {} and env_of(result, "box") == {"REG": "x"}


def test_env_file_bare_key_takes_the_exported_value(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("MODE\nMISSING\nPLAIN=1\n")
    text = "export MODE=fast\ndocker run --name app --env-file app.env alpine\n"
    result = convert_text(text, "deploy.sh", options=Options(), base_dir=str(tmp_path), folder=FOLDER)
    c = result.graph.containers["app"]
    assert {k: v.value for k, v in c.env.items()} == {"MODE": "fast", "PLAIN": "1"}
    (use,) = [u for u in c.flags if u.flag == "--env-file"]
    assert "MISSING (line 2)" in use.note


# ---------------------------------------------------------------- docker network connect / disconnect


def test_network_connect_with_alias_gives_the_alias_a_service() -> None:
    text = ("docker network create shop\n"
            "docker run -d --name cache redis\n"
            "docker network connect --alias sessions shop cache\n"
            "docker run -d --name web --network shop -e STORE=redis://sessions:6379 nginx\n")
    result = convert(text)
    assert [n.name for n in result.graph.containers["cache"].networks] == ["shop"]
    services = {o["metadata"]["name"] for o in result.objects if o["kind"] == "Service"}
    assert "sessions" in services  # as --network shop --network-alias sessions would give
    (note,) = found(result, "network-connect")
    assert note.container == "cache" and "sessions" in note.message


def test_network_connect_to_an_unknown_container_is_not_carried() -> None:
    result = convert("docker run -d --name web nginx\ndocker network connect shop elsewhere\n")
    (diagnostic,) = found(result, "network-connect-not-carried")
    assert diagnostic.severity is Severity.NOT_CARRIED


def test_network_disconnect_removes_the_membership() -> None:
    text = ("docker network create shop\ndocker run -d --name cache --network shop --network-alias kv redis\n"
            "docker network disconnect shop cache\n")
    result = convert(text)
    assert result.graph.containers["cache"].networks == []
    assert "kv" not in {o["metadata"]["name"] for o in result.objects if o["kind"] == "Service"}
    assert found(result, "network-disconnect")[0].severity is Severity.APPROXIMATED


def test_network_connect_of_a_host_network_container_is_refused_as_docker_does() -> None:
    with pytest.raises(InputError) as caught:
        convert("docker run -d --name hh --network host nginx\ndocker network connect shop hh\n")
    assert caught.value.line == 2


# ---------------------------------------------------------------- the CLI


def test_strict_exits_1_on_each_shell_feed_and_var_is_repeatable(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    for line in ("docker run -i --name app alpine cat < in.txt", "docker run --name app alpine date > out.txt",
                 "docker run -d --name app nginx\necho x | docker run -i --name box alpine cat",
                 "cat > x.sh <<EOF\ndocker run -d nginx\nEOF\ndocker run -d --name app nginx",
                 "docker run -d --name app nginx\ndocker network connect net ghost"):
        path = tmp_path / "run.sh"
        path.write_text(line + "\n")
        done = subprocess.run([sys.executable, "-m", "d2k", "from-commands", str(path), "--strict"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 1, (line, done.stderr)
    path = tmp_path / "tags.sh"
    path.write_text("docker run --name app $REG/app:$TAG\n")
    done = subprocess.run([sys.executable, "-m", "d2k", "from-commands", str(path), "--var", "TAG=1.0",
                           "--var", "REG=example.com"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "image: example.com/app:1.0" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "d2k", "from-commands", str(path), "--var", "1X"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "give NAME=VALUE" in bad.stderr
    running = subprocess.run([sys.executable, "-m", "d2k", "from-running", "--var", "TAG=1"], capture_output=True,
                             text=True, env={**env, "DOCKER_HOST": "unix:///nonexistent.sock"}, timeout=120)
    assert running.returncode == 2 and "from-commands" in running.stderr  # refused before the engine is asked


def test_a_docker_command_in_a_loop_says_a_shell_runs_it_once_per_pass() -> None:
    text = ("for i in 1 2 3; do\n  docker run -d --name w$i redis:7\ndone\n"
            "while true; do docker run --rm alpine:3 echo hi; sleep 5; done\n"
            "until false\ndo\n  for j in a b; do docker run -d --name inner nginx:1.27; done\n"
            "  docker run -d --name outer nginx:1.27\ndone\n"
            "docker run -d --name after nginx:1.27\n")
    result = convert_text(text, "loops.sh", options=Options(variables={"i": "1"}))
    loops = {d.container: d for d in result.report.diagnostics if d.code == "in-loop"}
    assert set(loops) == {"w1", "alpine", "inner", "outer"}  # `after` follows the last `done`
    assert all(d.severity.value == "approximated" for d in loops.values())
    assert "in the loop whose body starts at line 1:" in loops["w1"].message
    assert "line 7" in loops["inner"].message and "line 6" in loops["outer"].message


def test_a_value_left_invalid_by_a_loop_variable_says_what_to_do(tmp_path: Path) -> None:
    script = tmp_path / "loop.sh"
    script.write_text("for i in 1 2; do\n  docker run -d --name worker-$i busybox\ndone\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        convert_text(script.read_text(encoding="utf-8"), str(script), options=Options())
    assert "worker-$i" in str(err.value) and "--var i=VALUE" in str(err.value) and "one docker run line" in str(err.value)
    assert str(err.value).startswith(f"{script}:2: invalid value for --name")
