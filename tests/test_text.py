"""d2k.parsers.text: shell lexing, Markdown extraction and the seed README."""

from __future__ import annotations

from pathlib import Path

import pytest

from d2k.errors import InputError
from d2k.parsers.text import Extraction, extract
from d2k.report import Severity

SEED = Path("/work/shared/seed/voting-app-on-kubernetes.md")


def argv(text: str, file: str = "cmds.txt") -> list[list[str]]:
    return [[word.text for word in command.words] for command in extract(text, file).commands]


def one(text: str, file: str = "cmds.txt") -> list[str]:
    commands = argv(text, file)
    assert len(commands) == 1, commands
    return commands[0]


def codes(result: Extraction) -> list[str]:
    return [diagnostic.code for diagnostic in result.diagnostics]


def error_of(text: str, file: str = "cmds.txt") -> InputError:
    with pytest.raises(InputError) as caught:
        extract(text, file)
    return caught.value


# ---------------------------------------------------------------- lines and continuations


def test_one_command_per_line_with_line_numbers() -> None:
    result = extract("docker run -d redis\n\n\ndocker run nginx\n", "x.txt")
    assert [[w.text for w in c.words] for c in result.commands] == [
        ["docker", "run", "-d", "redis"],
        ["docker", "run", "nginx"],
    ]
    assert [c.origin.line for c in result.commands] == [1, 4]
    assert all(c.origin.text == "" and c.origin.file == "x.txt" for c in result.commands)


def test_continuation_keeps_each_words_line() -> None:
    text = "\n".join(["docker run \\", "  -d \\", "  --name web \\", "  nginx"])
    (command,) = extract(text, "x.txt").commands
    assert [(w.text, w.line) for w in command.words] == [
        ("docker", 1),
        ("run", 1),
        ("-d", 2),
        ("--name", 3),
        ("web", 3),
        ("nginx", 4),
    ]
    assert command.origin.line == 1


def test_backslash_newline_inside_a_word_joins_it() -> None:
    assert one("docker run ngi\\\nnx") == ["docker", "run", "nginx"]


def test_backslash_space_newline_does_not_continue() -> None:
    result = extract("docker run -d \\ \n  nginx\n", "x.txt")
    assert [[w.text for w in c.words] for c in result.commands] == [["docker", "run", "-d", " "]]
    assert "backslash-space" in codes(result)


def test_crlf_line_endings() -> None:
    assert one("docker run \\\r\n  -d nginx\r\n") == ["docker", "run", "-d", "nginx"]


# ---------------------------------------------------------------- comments and prompts


def test_comment_ends_the_words_but_hash_inside_a_word_is_literal() -> None:
    assert one("docker run -e A=b#c nginx # the web server") == ["docker", "run", "-e", "A=b#c", "nginx"]


def test_comment_line_inside_a_continuation_ends_the_command() -> None:
    text = "docker run \\\n  # publish the port\n  -p 80:80 nginx\n"
    assert argv(text) == [["docker", "run"]]


def test_dollar_prompt_is_stripped() -> None:
    assert one("$ docker ps -a") == ["docker", "ps", "-a"]


def test_plain_list_pasted_from_a_terminal_skips_output() -> None:
    text = "$ docker run -d nginx\nUnable to find image 'nginx:latest' locally\n$ docker ps\n"
    assert argv(text, "session.txt") == [["docker", "run", "-d", "nginx"], ["docker", "ps"]]


def test_hash_line_in_a_script_is_a_comment_not_a_root_prompt() -> None:
    assert argv("# docker run -d old\ndocker run -d new\n", "run.sh") == [["docker", "run", "-d", "new"]]


# ---------------------------------------------------------------- programs and wrappers


def test_non_docker_commands_are_dropped_and_all_docker_commands_kept() -> None:
    text = (
        "apt-get install -y docker.io\ndocker network create net\ndocker container run -d x\npodman run y\n"
    )
    assert argv(text) == [
        ["docker", "network", "create", "net"],
        ["docker", "container", "run", "-d", "x"],
        ["podman", "run", "y"],
    ]


def test_sudo_and_its_options_are_stripped() -> None:
    assert argv("sudo docker ps\nsudo -E docker pull a\nsudo -u root -H docker run b\n") == [
        ["docker", "ps"],
        ["docker", "pull", "a"],
        ["docker", "run", "b"],
    ]


def test_program_given_by_path_is_named_by_its_basename() -> None:
    (command,) = extract("/usr/bin/docker run x", "x.txt").commands
    assert command.words[0].text == "docker"


def test_leading_assignments_are_stripped_and_not_recorded() -> None:
    result = extract("TAG=1.0 DOCKER_HOST=tcp://h docker run img:$TAG\ndocker run img:$TAG\n", "x.txt")
    assert [[w.text for w in c.words] for c in result.commands] == [
        ["docker", "run", "img:$TAG"],
        ["docker", "run", "img:$TAG"],
    ]
    # one diagnostic per variable, naming every line that uses it
    assert codes(result) == ["unresolved-variable"]
    assert "(lines 1, 2)" in result.diagnostics[0].message and "--var TAG=VALUE" in result.diagnostics[0].message


def test_env_wrapper_and_its_assignments_are_stripped() -> None:
    assert one("env -u X A=1 docker run x") == ["docker", "run", "x"]


def test_reserved_words_and_wrappers_are_stripped() -> None:
    text = "if ! docker network inspect n; then docker network create n; fi\nexec docker run x\n"
    assert argv(text) == [
        ["docker", "network", "inspect", "n"],
        ["docker", "network", "create", "n"],
        ["docker", "run", "x"],
    ]


# ---------------------------------------------------------------- operators and redirections


@pytest.mark.parametrize("operator", ["&&", "||", ";", "|", "&"])
def test_operators_split_commands(operator: str) -> None:
    assert argv(f"docker pull a {operator} docker run a") == [["docker", "pull", "a"], ["docker", "run", "a"]]


def test_pipe_to_another_program_keeps_only_docker() -> None:
    assert argv("docker ps | grep web; echo done") == [["docker", "ps"]]


def test_redirections_are_removed() -> None:
    text = "docker run a > out.log 2>&1\ndocker run b >>x <in &>/dev/null\n"
    assert argv(text) == [["docker", "run", "a"], ["docker", "run", "b"]]


def test_quoted_command_substitution_may_hold_quotes_and_parens() -> None:
    assert one('docker run -e "A=$(echo ")")" i') == ["docker", "run", "-e", 'A=$(echo ")")', "i"]


def test_heredoc_body_is_not_read_as_commands() -> None:
    text = "cat > conf <<'EOF'\ndocker run not-a-command 'unbalanced\nEOF\ndocker run real\n"
    assert argv(text) == [["docker", "run", "real"]]


def test_placeholder_raises_with_its_line() -> None:
    error = error_of("docker ps\ndocker run \\\n  -h <hostname> nginx\n")
    assert error.line == 3
    assert "<hostname>" in error.message and "placeholder" in error.message


def test_placeholder_in_a_non_docker_command_is_not_our_business() -> None:
    assert argv("cd <your-directory>\ndocker run x\n") == [["docker", "run", "x"]]


def test_redirection_without_target_in_docker_command_is_an_error() -> None:
    assert error_of("docker run x >\n").line == 1


# ---------------------------------------------------------------- quoting


def test_single_quotes_are_literal() -> None:
    assert one("docker run -e 'A=$HOME \\n \"x\"' i") == ["docker", "run", "-e", 'A=$HOME \\n "x"', "i"]


def test_double_quotes_escapes() -> None:
    assert one('docker run -e "A=\\"q\\" \\\\ \\$X \\` \\n" i') == [
        "docker",
        "run",
        "-e",
        'A="q" \\ $X ` \\n',
        "i",
    ]


def test_unquoted_backslash_escapes_next_char() -> None:
    assert one("docker run -v D:\\data:/data a\\ b") == ["docker", "run", "-v", "D:data:/data", "a b"]


def test_quotes_join_into_one_word_and_empty_quotes_make_a_word() -> None:
    assert one('docker run -e A="x y"\'z\' -e B= -e C="" "" i') == [
        "docker",
        "run",
        "-e",
        "A=x yz",
        "-e",
        "B=",
        "-e",
        "C=",
        "",
        "i",
    ]


def test_ansi_c_quoting() -> None:
    assert one("docker run -e $'A=1\\tb\\x41\\'' i") == ["docker", "run", "-e", "A=1\tbA'", "i"]


def test_multiline_double_quoted_word_starts_on_its_first_line() -> None:
    (command,) = extract('docker run -e "A=1\nB=2" i\n', "x.txt").commands
    assert [(w.text, w.line) for w in command.words][2:] == [("-e", 1), ("A=1\nB=2", 1), ("i", 2)]


# ---------------------------------------------------------------- variables


def test_script_variables_are_substituted() -> None:
    text = "\n".join(
        [
            "TAG=1.2",
            'export NAME="my app" PORT=8080',
            "readonly DATA='/srv/data'",
            'docker run --name "$NAME" -p ${PORT}:80 -v $DATA:/data img:$TAG',
        ]
    )
    result = extract(text, "run.sh")
    assert [w.text for w in result.commands[0].words] == [
        "docker",
        "run",
        "--name",
        "my app",
        "-p",
        "8080:80",
        "-v",
        "/srv/data:/data",
        "img:1.2",
    ]
    assert result.diagnostics == []


def test_default_forms() -> None:
    text = "\n".join(
        [
            "EMPTY=",
            "SET=v",
            "docker run ${UNSET:-d1} ${EMPTY:-d2} ${EMPTY-d3} ${SET:-x} ${NEW:=d4} $NEW ${SET:+alt} ${UNSET:+no}",
        ]
    )
    result = extract(text, "run.sh")
    assert [w.text for w in result.commands[0].words] == ["docker", "run", "d1", "d2", "v", "d4", "d4", "alt"]
    assert set(codes(result)) == {"variable-default"}
    assert all(d.severity is Severity.INFO for d in result.diagnostics)


def test_default_may_itself_hold_quotes_and_variables() -> None:
    assert one('A=x\ndocker run "${B:-"$A y"}"') == ["docker", "run", "x y"]


def test_assignments_of_one_line_see_each_other_but_not_the_commands_words() -> None:
    assert argv("A=1 B=$A\ndocker run $B\nC=2 docker run $C\n") == [
        ["docker", "run", "1"],
        ["docker", "run", "$C"],
    ]


def test_append_length_and_array_forms() -> None:
    text = "X=ab\nX+=c\narr=(a b)\ndocker run ${#X} $X ${arr[@]} ${X%c}\n"
    result = extract(text, "run.sh")
    assert [w.text for w in result.commands[0].words] == ["docker", "run", "3", "abc", "${arr[@]}", "${X%c}"]
    assert codes(result) == ["unresolved-variable", "unresolved-variable"]


def test_too_deeply_nested_defaults_are_an_input_error() -> None:
    assert "nested" in error_of("docker run " + "${A:-" * 100 + "x" + "}" * 100).message


def test_unquoted_expansion_is_field_split_but_quoted_is_not() -> None:
    text = 'OPTS="-p 80:80  -d"\ndocker run $OPTS "$OPTS" nginx'
    assert one(text) == ["docker", "run", "-p", "80:80", "-d", "-p 80:80  -d", "nginx"]


def test_empty_unquoted_expansion_makes_no_word() -> None:
    assert one('E=""\ndocker run $E nginx') == ["docker", "run", "nginx"]


def test_variables_follow_file_order_and_unset() -> None:
    assert argv("T=1\ndocker run a:$T\nT=2\ndocker run a:$T\nunset T\ndocker run a:$T\n") == [
        ["docker", "run", "a:1"],
        ["docker", "run", "a:2"],
        ["docker", "run", "a:$T"],
    ]


def test_os_environ_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("D2K_TEST_VAR", "leak")
    assert one("docker run img:$D2K_TEST_VAR") == ["docker", "run", "img:$D2K_TEST_VAR"]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("$HOME/data", "unresolved-variable"),
        ("${PWD}/data", "unresolved-variable"),
        ("$(pwd)/data", "command-substitution"),
        ("`pwd`/data", "command-substitution"),
        ("~/data", "unresolved-variable"),
        ("$@", "unresolved-variable"),
        ("${arr[@]}", "unresolved-variable"),
        ("$(id -u):$(id -g)", "command-substitution"),
    ],
)
def test_unresolved_stays_as_written_and_is_reported(written: str, code: str) -> None:
    result = extract(f"docker ps\ndocker run -v {written}:/x img\n", "x.txt")
    assert [w.text for w in result.commands[1].words] == ["docker", "run", "-v", f"{written}:/x", "img"]
    assert result.diagnostics and {d.code for d in result.diagnostics} == {code}
    diagnostic = result.diagnostics[0]
    assert diagnostic.severity is Severity.APPROXIMATED
    assert diagnostic.origin is not None and diagnostic.origin.line == 2
    assert diagnostic.container is None


def test_unresolved_message_names_the_variable() -> None:
    (diagnostic,) = extract("docker run -e X=$MISSING i", "x.txt").diagnostics
    assert "$MISSING" in diagnostic.message


def test_variable_holding_a_substitution_reports_it_but_never_its_value() -> None:
    text = "DIR=$(pwd)/data\nPASS=s3cr3t-value\ndocker run -v $DIR:/d -e PW=$PASS i\n"
    result = extract(text, "run.sh")
    assert [w.text for w in result.commands[0].words] == [
        "docker",
        "run",
        "-v",
        "$(pwd)/data:/d",
        "-e",
        "PW=s3cr3t-value",
        "i",
    ]
    assert codes(result) == ["command-substitution"]
    assert "$DIR" in result.diagnostics[0].message
    assert all("s3cr3t" not in d.message for d in result.diagnostics)


def test_unresolved_in_non_docker_commands_is_not_reported() -> None:
    assert extract("echo $HOME\ndocker ps\n", "x.txt").diagnostics == []


def test_optional_comment_substitution_expands_to_nothing() -> None:
    text = "docker run -d \\\n  -p 8080:80 `#optional` \\\n  -v /c:/config `#optional` \\\n  lscr.io/img\n"
    result = extract(text, "x.txt")
    assert [w.text for w in result.commands[0].words] == [
        "docker",
        "run",
        "-d",
        "-p",
        "8080:80",
        "-v",
        "/c:/config",
        "lscr.io/img",
    ]
    assert result.diagnostics == []


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("docker ps\ndocker run -e 'A=1\nB\n", 2, "single quote"),
        ('docker ps\n\ndocker run -e "A=1 i\n', 3, "double quote"),
        ("docker run -v $(pwd:/x i\n", 1, "$("),
        ("docker run -v ${X:/x i\n", 1, "${"),
        ("docker run `pwd i\n", 1, "backtick"),
        ("docker ps\ndocker run \\\n  -d \\\n", 3, "continuation"),
        ("docker run -d \\", 1, "continuation"),
    ],
)
def test_errors_name_the_problem_and_the_line(text: str, line: int, what: str) -> None:
    error = error_of(text)
    assert error.line == line and error.file == "cmds.txt"
    assert what in error.message
    assert "\n" not in error.message


# ---------------------------------------------------------------- Markdown


def test_markdown_inline_spans_in_a_table() -> None:
    text = "\n".join(
        [
            "| Command | What |",
            "| --- | --- |",
            "| `docker run -d --name=a redis` | cache, see `redis` |",
            "| `docker ps \\| grep a` | list |",
        ]
    )
    result = extract(text, "README.md")
    assert [[w.text for w in c.words] for c in result.commands] == [
        ["docker", "run", "-d", "--name=a", "redis"],
        ["docker", "ps"],
    ]
    assert [c.origin.line for c in result.commands] == [3, 4]


def test_markdown_prose_and_other_spans_are_ignored() -> None:
    text = "Run docker run -d nginx, or `it's` or `$HOME`.\n\nThen `docker run -d web`.\n"
    assert argv(text, "README.md") == [["docker", "run", "-d", "web"]]


def test_markdown_fenced_block_line_numbers() -> None:
    text = "# Title\n\n```bash\ndocker run \\\n  -d nginx\n```\n"
    (command,) = extract(text, "README.md").commands
    assert [(w.text, w.line) for w in command.words] == [("docker", 4), ("run", 4), ("-d", 5), ("nginx", 5)]


def test_markdown_tilde_fence_and_fence_without_info() -> None:
    text = "~~~\ndocker run a\n~~~\n\n```\ndocker run b\n```\n"
    assert argv(text, "README.md") == [["docker", "run", "a"], ["docker", "run", "b"]]


def test_markdown_transcript_reads_prompts_and_skips_output() -> None:
    text = "```console\n$ docker run -it \\\n> --rm alpine\nit's output\n$ docker ps\nCONTAINER ID\n```\n"
    assert argv(text, "README.md") == [["docker", "run", "-it", "--rm", "alpine"], ["docker", "ps"]]


def test_markdown_root_prompt_only_in_console_blocks() -> None:
    console = "```console\n# docker run a\n# Let's go\n```\n"
    bash = "```bash\n# docker run a\ndocker run b\n```\n"
    assert argv(console, "README.md") == [["docker", "run", "a"]]
    assert argv(bash, "README.md") == [["docker", "run", "b"]]


def test_markdown_non_shell_block_is_skipped_with_a_note() -> None:
    text = "```yaml\nimage: it's\n```\n\n```powershell\ndocker run `\n  -d x\n```\n"
    result = extract(text, "README.md")
    assert result.commands == []
    assert codes(result) == ["skipped-block"]
    assert result.diagnostics[0].origin is not None and result.diagnostics[0].origin.line == 5


def test_markdown_block_without_docker_that_is_not_shell_is_skipped() -> None:
    text = "```\nIt's a note\n```\n\n```sh\ndocker run x\n```\n"
    result = extract(text, "README.md")
    assert argv(text, "README.md") == [["docker", "run", "x"]]
    assert codes(result) == ["skipped-block"]


def test_markdown_block_with_docker_and_bad_quote_raises_at_its_line() -> None:
    error = error_of("intro\n\n```bash\ndocker run -e 'A=1 x\n```\n", "README.md")
    assert error.line == 4


def test_markdown_variables_carry_across_blocks() -> None:
    text = "```sh\nexport TAG=2.0\n```\n\nThen:\n\n```sh\ndocker run app:$TAG\n```\n"
    assert argv(text, "README.md") == [["docker", "run", "app:2.0"]]


def test_format_detection_by_content_and_name() -> None:
    fenced = "Intro docker run x\n```\ndocker run y\n```\n"
    assert argv(fenced, "notes.txt") == [["docker", "run", "y"]]
    tilde_fenced = "docker run a\n~~~\ndocker run b\n~~~\n"
    assert argv(tilde_fenced, "run.txt") == [["docker", "run", "b"]]
    assert argv(tilde_fenced, "run.sh") == [["docker", "run", "a"], ["docker", "run", "b"]]


def test_seed_file_yields_exactly_the_five_commands() -> None:
    result = extract(SEED.read_text(encoding="utf-8"), "seed.md")
    assert [(c.origin.line, [w.text for w in c.words]) for c in result.commands] == [
        (32, ["docker", "run", "-d", "--name=redis", "redis"]),
        (
            33,
            [
                "docker",
                "run",
                "-d",
                "--name=db",
                "--env",
                "POSTGRES_PASSWORD=postgres",
                "--env",
                "POSTGRES_USER=postgres",
                "postgres:15-alpine",
            ],
        ),
        (
            34,
            [
                "docker",
                "run",
                "-d",
                "--name=vote",
                "-p",
                "5423:80",
                "--link",
                "redis:redis",
                "dockersamples/examplevotingapp_vote",
            ],
        ),
        (
            35,
            [
                "docker",
                "run",
                "-d",
                "--name=result",
                "-p",
                "4141:80",
                "--link",
                "db:db",
                "dockersamples/examplevotingapp_result",
            ],
        ),
        (
            36,
            [
                "docker",
                "run",
                "-d",
                "--name=worker",
                "--link",
                "redis:redis",
                "--link",
                "db:db",
                "dockersamples/examplevotingapp_worker",
            ],
        ),
    ]
    assert all(w.line == c.origin.line for c in result.commands for w in c.words)
    assert result.diagnostics == []


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [
        "docker run \x00 x\x00",
        "docker run " + "a" * 100_000,
        "`" * 50_000 + "x" + "``" * 20_000,
        "docker run " + "$(" * 5_000,
        "\u2028docker\u00a0run x\udcff\n\ufeffdocker ps",
        "docker run '" + "\n" * 1000,
        "${" * 1000,
        "x=$(" * 3000 + ")" * 3000,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_any_text_returns_or_raises_input_error(text: str) -> None:
    for name in ("x.txt", "x.md", "x.sh"):
        try:
            extract(text, name)
        except InputError:
            pass


def test_fuzz_never_crashes() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")
    alphabet = strategies.sampled_from(list("docker run-$`'\"\\\n\t #|&;<>(){}~=:@*x`\x00é"))

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(strategies.text(alphabet, max_size=80), strategies.sampled_from(["a.txt", "a.md"]))
    def check(text: str, name: str) -> None:
        try:
            result = extract(text, name)
        except InputError as error:
            assert error.line >= 1 and "\n" not in error.message
            return
        for command in result.commands:
            assert command.words[0].text in ("docker", "podman")

    check()


def test_ten_thousand_lines_all_read() -> None:
    """Speed is measured by bench/throughput.py; here: every one of 5,000 commands is found."""
    line = 'docker run -d --name "web" -e A=$B -p 80:80 -v /a:/b nginx:1 # note\nls -la | grep x && echo ok\n'
    text = "B=1\n" + line * 5_000
    result = extract(text, "big.sh")
    assert len(result.commands) == 5_000


def test_docker_command_without_prompt_in_a_prompt_file_is_read_not_dropped_as_output() -> None:
    text = "$ docker run -d --name one redis\nUnable to find image 'redis:latest'\nsudo docker run -d --name two redis\n"
    result = extract(text, "notes.txt")
    assert [[w.text for w in c.words][-1] for c in result.commands] == ["redis", "redis"]
    assert [c.origin.line for c in result.commands] == [1, 3]


@pytest.mark.parametrize("word", ["docker", "/usr/bin/docker", "docker/", ".", "..", "", "a//b", "./podman", "foo/.", "sudo"])
def test_program_basename_reads_paths_as_pathlib_does(word: str) -> None:
    from pathlib import PurePath

    from d2k.parsers.wrappers import _basename

    assert _basename(word) == PurePath(word).name
