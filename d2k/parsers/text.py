"""Text -> docker commands: plain lists, shell scripts and Markdown, lexed as a POSIX shell would.

CONTRACT (used by d2k.parsers.docker_run; keep it stable):

    extract(text: str, file: str, *, variables=None, folder=None) -> Extraction

Extraction.commands lists every simple command whose program is `docker` or `podman`
(after `$ ` / `# ` prompts, `sudo [opts]`, and leading `VAR=value` assignments are stripped),
in the order a shell runs them (a `$(docker run ...)` before the command it is in). Command.words
are its words after shell processing (quotes removed, variables substituted where known), each
with the 1-based line it starts on, beginning with the program word itself ("docker"/"podman").
Command.feeds says what the shell connected to its stdin and output (redirections, here-documents,
pipes, a `$(...)` capturing it); Command.environment what docker's CLI finds in its environment.
Unbalanced quotes, or a command cut short, raise d2k.errors.InputError(message, file, line).
Extraction.diagnostics reports what stayed unresolved (unset variables, one diagnostic per name
with its lines: the text stays in the word as written) and anything skipped or not read.
`variables` (--var) are the environment the script starts in (exported), and the user's answer:
the script's own assignments to them are ignored (an INFO "var-given" each); `folder` is what
`$PWD`/`$(pwd)` name (the input's folder), reported where used ("working-folder"); without it they
stay unresolved.

Details:

* Format. `.md`/`.markdown` files, or any non-script file with a fenced block or a table,
  are Markdown (d2k.parsers.markdown): only inline code spans that start with a docker/podman
  command and fenced blocks (``` or ~~~) of a shell-like language (none, bash, sh, shell, console,
  text...) are read; blocks of other languages are skipped (an info diagnostic when they hold
  docker commands). A fenced block that holds no docker command and cannot be lexed is skipped,
  not an error. In a block with `$ ` prompts only prompt lines (and their continuations)
  are commands, the rest is output; `# ` is a root prompt (before a docker command) only in
  console/shell-session blocks. Anything else is a plain list or a shell script (`.sh`):
  `# ` starts a comment; a plain list with `$ ` prompts is read as a terminal session too.
* Shell. One command per line; `\\`-newline continues (`\\ `-newline does not: info
  diagnostic "backslash-space", an error when the next line holds the command's options);
  `#` comments; `&& || ; | &` and parentheses split commands; `sudo`/`env`/`exec`/`nohup`/
  `command`/`time` wrappers and reserved words (`if`, `then`, `do`, `!`...) are stripped, so
  commands in `if`, loops, `case` and function bodies are read in file order. Quotes: '...',
  "...", `$'...'`, unquoted backslash. `NAME=value`, `export`/`readonly`/`local`/`declare`
  assignments are recorded in file order (across the Markdown blocks of one file), `unset`
  forgets, `cd DIR` moves `$PWD`; `$X`, `${X}`, `${X:-d}`, `${X-d}`, `${X:=d}`, `${X:+a}`, `${#X}`
  expand, and unquoted expansions are field-split. A variable assigned in more than one branch
  of an `if` keeps the last value in file order, reported where used ("ambiguous-assignment"); one
  assigned after `&&`/`||` (set only as the command before ends) likewise ("conditional-assignment").
  Never read from os.environ.
* Redirections, here-documents and pipes become Command.feeds. A here-document a shell or ssh
  reads (`ssh host <<EOF`) is a script: its docker commands are read; docker commands in one
  another program reads (`cat > x.sh <<EOF`) are reported not carried. `$(...)` and backquoted
  bodies that run docker are read as commands; `$(pwd)`/`` `pwd` `` expand like `$PWD`.
* Environment (Command.environment): exported variables, --var, `A=1 docker ...`, `env A=1`;
  `set -a` exports later assignments; `sudo` without -E and `env -i` empty it. A bare `-e KEY` is resolved against it by the flags.
* Kept as written, with an APPROXIMATED diagnostic on the docker command: unset variables
  ("unresolved-variable", with the --var to give), `$HOME`, `~`, `$@`, `${arr[@]}`, other
  `${...}` forms, `$((...))`; other `$(...)`, backticks and `<(...)` ("command-substitution").
  A backtick whose body is a comment (`` `#optional` ``) expands to nothing. Using a
  `${X:-default}` default gives an INFO "variable-default". Diagnostics name variables, never
  their values.
* Errors (InputError, at the line where the construct opened): unbalanced ' " ` or `$'`,
  unterminated `$(`/`${`, a trailing `\\` with nothing after it, and in a docker command or an
  assignment a `<placeholder>` (`<your-token>`, `<server container IP>`: a shell would read it as
  an input redirection) or a redirection without target.
* Not supported: brace expansion and globs (left literal), aliases, `sh -c "..."` strings,
  arrays (`a=(...)` unsets a), loops (`$i` stays unresolved; the body is read once: "in-loop"), functions
  (their body is read once, where it is written; a docker command in one says where the input calls
  it, or, approximated, that it never does: "in-function"), `$SUDO docker` with SUDO
  unset, `source FILE` (reported: its variables stay unknown), prompts other than `$ `/`# ` (`user@host:~$`), PowerShell/cmd continuations,
  fenced blocks inside block quotes, code spans across lines, HTML `<pre>`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePath

from d2k.errors import InputError
from d2k.model import Origin
from d2k.parsers.markdown import (
    _MENTIONS_PROGRAM,
    _SCRIPT_SUFFIXES,
    _block_segment,
    _is_markdown,
    _markdown_segments,
    _Segment,
)
from d2k.parsers.shell import (
    _ASSIGNMENT,
    _BLANKS,
    _DECLARATIONS,
    _MAX_NESTING,
    _OPERATOR,
    _PLACEHOLDER,
    _REDIRECT,
    _RESERVED,
    _Budget,
    _Expander,
    _Note,
    _short,
    _Var,
)
from d2k.parsers.wrappers import PROGRAMS, _basename, _program_index, _program_name, _unwrap
from d2k.patterns import lazy
from d2k.records import dataclass, field, replace
from d2k.report import Diagnostic, Severity

# the command a pipe feeds, and its first plain argument (`| tee run.log`), to name it in the report
_NEXT_PROGRAM = lazy(r"[ \t]*(?:\\\n[ \t]*)*([^\s;&|()<>]+(?:[ \t]+[^\s;&|()<>$'\"`-][^\s;&|()<>$'\"`]*)?)")
# a mark in the variables while `set -a` is on (no shell variable can have this name)
_ALLEXPORT = " allexport"
# `name()`: a function definition (the name a shell accepts, then empty parentheses)
_FUNCTION_NAME = lazy(r"[A-Za-z_][A-Za-z0-9_.:-]*")
_EMPTY_PARENS = lazy(r"[ \t]*\)")
_IN_FUNCTION = "in-function"
_NAME_RUN = lazy(r"[\w.:-]+")  # a word as far as a function name goes (the characters _FUNCTION_NAME allows)
# characters that can only begin a word (never a comment, operator, redirection or line end)
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_./'\"$")
# programs that run a here-document fed to them as a script
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "ssh"})


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word after quote removal and expansion; `line` is where it starts (1-based)."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Feed:
    """What the shell connects to the command's input or output: `stdin` or `output`, and how, as written."""

    stream: str
    text: str  # `<<EOF`, `< seed.sql`, `> out.txt`, `| tee log`, `$(...)`: never a here-document's body
    line: int


@dataclass(frozen=True, slots=True)
class Command:
    """One docker/podman simple command. origin.text stays empty: the raw line may hold passwords.

    `environment`: the variables docker's CLI would see (exported by the script, given with --var,
    or set for this command alone), name -> (value, line set); None where the input cannot tell.
    `unexported`: names the script assigned without exporting them (the CLI does not see them).
    """

    words: tuple[Word, ...]
    origin: Origin
    feeds: tuple[Feed, ...] = ()
    environment: Mapping[str, tuple[str, int]] | None = None
    unexported: frozenset[str] = frozenset()


@dataclass(slots=True)
class Extraction:
    commands: list[Command] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class _Cmd:
    """The simple command being read."""

    words: list[str] = field(default_factory=list)  # Word objects are built for docker commands only
    lines: list[int] = field(default_factory=list)
    prefix_assignments: list[tuple[str, str, _Var]] = field(default_factory=list)
    declared: list[tuple[str, str, _Var]] = field(default_factory=list)
    notes: list[_Note] = field(default_factory=list)
    error: tuple[str, int] | None = None
    in_prefix: bool = True
    declaring: bool = False
    feeds: list[Feed] = field(default_factory=list)
    heredocs: list[_Heredoc] = field(default_factory=list)
    after: tuple[str, int] | None = None  # the `&&` or `||` (and its line) that runs it only as the one before ends


@dataclass(slots=True)
class _Heredoc:
    """A `<<EOF` whose body follows the line: data for its command (a script when a shell reads it)."""

    delimiter: str
    line: int
    expands: bool  # an unquoted delimiter: the outer shell expands $X in the body
    program: str = ""  # the command that reads it, known when the command ends


@dataclass(slots=True)
class _If:
    """An `if` being read: which branch, and the variables each branch assigns (name -> [(branch, line)])."""

    line: int
    branch: int = 0
    assigned: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass(slots=True)
class _Functions:
    """Shell functions across the pieces of one input: where each is defined, where each name is run."""

    defined: dict[str, int] = field(default_factory=dict)  # name -> line of its definition
    ends: dict[str, int] = field(default_factory=dict)  # name -> line of its body's closing brace
    calls: dict[str, list[int]] = field(default_factory=dict)  # program name -> lines that run it (not docker)


class _Lexer(_Expander):
    """Reads one piece of shell text (a script, a code block, a code span) into simple commands.

    Hand-written rather than shlex: shlex knows neither line numbers nor `$(...)`, here-documents,
    `` `#optional` `` or which words a shell would split.
    """

    def __init__(self, src: str, line: int, file: str, env: dict[str, _Var],
                 overlay: dict[str, _Var] | None = None, depth: int = 0, budget: _Budget | None = None,
                 functions: _Functions | None = None) -> None:
        super().__init__(src, line, file, env, overlay, depth, budget)
        self.functions = _Functions() if functions is None else functions
        self.function_next: tuple[str, int] | None = None  # `name()` read: its body's `{` comes next
        self.function_bodies: list[tuple[str, int]] = []  # (name, brace depth) of the bodies being read
        self.loops: list[int] = []  # the line of each `do` whose `done` has not come yet
        self.braces = 0
        self.heredocs: list[_Heredoc] = []
        self.cmd = _Cmd()
        self.out: list[tuple[Command, list[_Note]]] = []
        self.file_notes: list[_Note] = []  # said whatever the commands are (a here-document not read)
        self.ifs: list[_If] = []
        self.pipe_from = ""  # the program whose output the next command reads through `|`

    # ---- the command loop

    def run(self) -> list[tuple[Command, list[_Note]]]:
        src = self.src
        at_line_start = True
        while True:
            self._skip_blanks()
            if self.pos >= self.n:
                break
            if at_line_start:
                at_line_start = False
                if src[self.pos] == "$" and src[self.pos + 1:self.pos + 2] in ("", " ", "\t", "\n"):
                    self.pos += 1  # a `$ ` prompt
                    continue
            char = src[self.pos]
            if char in _WORD_START:  # most of a script: a word, which none of the cases below begins with
                self._command_word()
            elif char == "\n":
                self._finish()
                self.pos += 1
                self.line += 1
                self._skip_heredocs()
                at_line_start = True
            elif char == "#":
                end = src.find("\n", self.pos)
                self.pos = self.n if end < 0 else end
            elif char in "<>&" or char.isdigit():
                redirect = _REDIRECT.match(src, self.pos)
                if redirect and not (char in "<>" and src[self.pos + 1:self.pos + 2] == "("):
                    self._redirect(redirect)
                elif char == "&":
                    self._operator()
                else:
                    self._command_word()
            elif char in ";|()":
                self._operator()
            else:
                self._command_word()
        self._finish()
        return self.out

    def _skip_blanks(self) -> None:
        src, n = self.src, self.n
        while self.pos < n:
            char = src[self.pos]
            if char in _BLANKS:
                self.pos += 1
            elif char == "\\" and src[self.pos + 1:self.pos + 2] == "\n":
                self._continuation()
            else:
                break

    def _operator(self) -> None:
        match = _OPERATOR.match(self.src, self.pos)
        operator = match.group() if match else self.src[self.pos]
        self.pos = match.end() if match else self.pos + 1
        piped = operator in ("|", "|&")
        if piped:
            following = _NEXT_PROGRAM.match(self.src, self.pos)
            reader = following.group(1) if following else "the next command"
            self.cmd.feeds.append(Feed("output", f"{operator} {_short(reader)}", self.line))
        program = _program_name(self.cmd.words)
        if (operator == "(" and len(self.cmd.words) == 1 and _FUNCTION_NAME.fullmatch(self.cmd.words[0])
                and _EMPTY_PARENS.match(self.src, self.pos)):  # `name() {`: a function definition, not a call
            self.function_next = (self.cmd.words[0], self.line)
            self.cmd.words.clear()
            self.cmd.lines.clear()
        self._finish()
        if piped:
            self.pipe_from = program or "the command before"
        elif operator in ("&&", "||"):
            self.cmd.after = (operator, self.line)

    def _skip_heredocs(self) -> None:
        """After the newline that ends a `<<EOF` line, its body lines are data, not commands.

        A shell reading the body (`ssh host <<EOF`, `bash -s <<'EOF'`) runs it: its docker commands are
        read; docker commands in a body another program reads (`cat > run.sh <<EOF`) are reported.
        """
        src = self.src
        for heredoc in self.heredocs:
            start, first = self.pos, self.line + 1
            body_end = self.n
            while self.pos < self.n:
                end = src.find("\n", self.pos)
                if end < 0:
                    end = self.n
                text = src[self.pos:end]
                line_start = self.pos
                self.pos = min(end + 1, self.n)
                if end < self.n:
                    self.line += 1
                if text.strip(" \t\r") == heredoc.delimiter:  # lenient: Markdown indents whole blocks
                    body_end = line_start
                    break
            body = src[start:body_end]
            if _MENTIONS_PROGRAM.search(body):
                self._heredoc_body(heredoc, body, first)
        self.heredocs.clear()

    def _heredoc_body(self, heredoc: _Heredoc, body: str, line: int) -> None:
        if heredoc.program in _SHELLS:
            inner = self._inner(body, line)
            self.out.extend(inner.run())
            self.file_notes.extend(inner.file_notes)
            self.file_notes.append(_Note("here-document-script", Severity.INFO,
                                         f"the here-document <<{_short(heredoc.delimiter)} is a script "
                                         f"{heredoc.program} runs: its docker commands are read", heredoc.line))
        elif heredoc.program not in PROGRAMS:
            reader = heredoc.program or "a command"
            self.file_notes.append(_Note("here-document-not-read", Severity.NOT_CARRIED,
                                         f"the here-document <<{_short(heredoc.delimiter)} holds docker commands "
                                         f"that {_short(reader)} reads as data: they are not converted; put them "
                                         "in the input as commands", heredoc.line))

    def _redirect(self, match: re.Match[str]) -> None:
        start_line = self.line
        operator = match.group(2)
        if operator == "<" and self.cmd.error is None:
            placeholder = _PLACEHOLDER.match(self.src, match.start(2))
            if placeholder:
                self.cmd.error = (f"the command has a {_short(placeholder.group())} placeholder: fill it in "
                                  "with a real value first (a shell reads <...> as an input redirection)",
                                  start_line)
        self.pos = match.end()
        while self.pos < self.n and self.src[self.pos] in _BLANKS:
            self.pos += 1
        if self.pos >= self.n or self.src[self.pos] in "\n;&|()<>":
            if self.cmd.error is None:
                self.cmd.error = (f"redirection {operator} has no target: add a file name or remove it",
                                  start_line)
            return
        saved = self.notes
        self.notes = []
        target_start = self.pos
        target = "".join(self._word(split=False))
        self.notes = saved
        written = f"{match.group()}{_short(self.src[target_start:self.pos])}"
        if operator in ("<<", "<<-"):
            quoted = any(char in self.src[target_start:self.pos] for char in "'\"\\")
            heredoc = _Heredoc(target, start_line, not quoted)
            self.heredocs.append(heredoc)
            self.cmd.heredocs.append(heredoc)
            self.cmd.feeds.append(Feed("stdin", f"{written} (a here-document)", start_line))
        elif operator == "<<<":
            self.cmd.feeds.append(Feed("stdin", f"{match.group()} (a here-string)", start_line))
        elif operator in ("<", "<>") and match.group(1) in ("", "0"):
            self.cmd.feeds.append(Feed("stdin", written, start_line))
        elif operator in (">&", "<&") and (target.isdigit() or target == "-"):
            return  # `2>&1`: one stream joins another, the Feed of its target says where they go
        elif operator[0] in ">&" and match.group(1) in ("", "1", "2"):
            self.cmd.feeds.append(Feed("output", written, start_line))

    # ---- words of a command

    def _command_word(self) -> None:
        cmd = self.cmd
        src = self.src
        start, line = self.pos, self.line
        if cmd.in_prefix or cmd.declaring:  # only there can a word be an assignment
            assignment = _ASSIGNMENT.match(src, self.pos)
            if assignment:
                self._assignment(assignment)
                return
        fields = self._word(split=True, word_start=True)
        if self.notes:
            cmd.notes.extend(self.notes)
            self.notes = []
        if cmd.in_prefix:
            if src[start:self.pos] in _RESERVED:
                self._reserved(src[start:self.pos], line)
                return
            if fields:
                cmd.in_prefix = False
                self.overlay.clear()  # `A=1 cmd $A`: the shell expands $A before A=1 takes effect
                cmd.declaring = fields[0] in _DECLARATIONS
        if len(fields) == 1:
            cmd.words.append(fields[0])
            cmd.lines.append(line)
        else:
            cmd.words.extend(fields)
            cmd.lines.extend([line] * len(fields))

    def _reserved(self, word: str, line: int) -> None:
        """Follow `if` / `elif` / `else` / `fi`, to tell when both branches assign one variable, and the braces
        of function bodies."""
        if word == "{":
            self._open_brace()
        elif word == "}":
            if self.function_bodies and self.function_bodies[-1][1] == self.braces:
                self.functions.ends[self.function_bodies.pop()[0]] = line
            self.braces = max(0, self.braces - 1)
        elif word == "do":
            self.loops.append(line)
        elif word == "done" and self.loops:
            self.loops.pop()
        elif word == "if":
            self.ifs.append(_If(line))
        elif word in ("elif", "else") and self.ifs:
            self.ifs[-1].branch += 1
        elif word == "fi" and self.ifs:
            frame = self.ifs.pop()
            for name, places in frame.assigned.items():
                if self.ifs:  # an inner if's assignments belong to the branch of the outer one
                    self.ifs[-1].assigned.setdefault(name, []).extend((self.ifs[-1].branch, at) for _, at in places)
                var = self.env.get(name)
                if len({branch for branch, _ in places}) < 2 or var is None or var.note is not None:
                    continue
                lines = ", ".join(str(at) for _, at in places)
                self.env[name] = replace(var, note=(
                    "ambiguous-assignment",
                    f"is set in more than one branch of the if at line {frame.line} (lines {lines}): d2k used "
                    f"the value from line {var.line}; give the one you mean with --var {name}=VALUE"))

    def _open_brace(self) -> None:
        self.braces += 1
        if self.function_next is not None:
            name, line = self.function_next
            self.functions.defined[name] = line
            self.function_bodies.append((name, self.braces))
            self.function_next = None

    def _assignment(self, match: re.Match[str]) -> None:
        """`NAME=value` (no field splitting of the value); recorded when the command ends."""
        cmd = self.cmd
        name, subscript, operator = match.group(1), match.group(2), match.group(3)
        self.pos = match.end()
        if self.src[self.pos:self.pos + 1] == "(":  # an array: not modelled, forget the name
            close = self._scan(self.pos + 1, ")", in_double_quotes=False)
            if close < 0:
                raise self._fail("unterminated array assignment (: close it with )", self.line)
            self.line += self.src.count("\n", self.pos, close)
            self.pos = close + 1
            target = cmd.prefix_assignments if cmd.in_prefix else cmd.declared
            target.append((name, "unset", _Var("")))
            return
        fields = self._word(split=False, word_start=True)
        pieces = tuple((note.code, note.piece) for note in self.notes if note.piece)
        self.notes = []
        if subscript:
            return
        var = _Var("".join(fields), pieces, line=self.line)
        if cmd.in_prefix:
            cmd.prefix_assignments.append((name, operator, var))
            self.overlay[name] = var
        else:
            cmd.declared.append((name, operator, var))
    # ---- end of a command

    def _finish(self) -> None:
        cmd = self.cmd
        self.cmd = _Cmd()
        self.overlay.clear()
        self.notes = []
        if not cmd.words:
            self._placeholder_in_assignment(cmd)
            self._record(cmd.prefix_assignments, after=cmd.after)
            return
        if self.pipe_from:
            cmd.feeds.insert(0, Feed("stdin", f"a pipe from {_short(self.pipe_from)}", cmd.lines[0]))
            self.pipe_from = ""
        self.function_next = None  # `name()` not followed by a `{ ... }` body: not followed further
        program = _program_name(cmd.words)
        for heredoc in cmd.heredocs:
            heredoc.program = program
        if cmd.declaring:
            self._placeholder_in_assignment(cmd)
            self._declare(cmd)
            return
        if cmd.words[0] == "unset":
            for word in cmd.words[1:]:
                self.env.pop(word, None)
            return
        if cmd.words[0] == "cd":
            self._cd(cmd.words[1:])
            return
        if cmd.words[0] == "set":
            self._set(cmd.words[1:])
            return
        if cmd.words[0] in (".", "source") and len(cmd.words) > 1:
            self.file_notes.append(_Note("source-not-read", Severity.INFO, f"{cmd.words[0]} {_short(cmd.words[1])} "
                                         "is not read: the variables it sets are unknown to d2k; give the ones the "
                                         "docker commands use with --var NAME=VALUE", cmd.lines[0]))
            return
        start = _program_index(cmd.words)
        if start is None:
            if cmd.words[0] == "function" and len(cmd.words) > 1:  # `function name {` or `function name() {`
                self.function_next = (cmd.words[1].removesuffix("()"), cmd.lines[0])
                if cmd.words[-1] == "{":
                    self._open_brace()
            elif program:
                self.functions.calls.setdefault(program, []).append(cmd.lines[0])
            return
        if self.function_bodies:  # said where the command is converted: extract words it once calls are known
            cmd.notes.append(_Note(_IN_FUNCTION, Severity.INFO, self.function_bodies[-1][0], cmd.lines[0]))
        if self.loops:
            cmd.notes.append(_Note("in-loop", Severity.APPROXIMATED,
                                   f"in the loop whose body starts at line {self.loops[-1]}: a shell runs this docker "
                                   "command once per pass (a container each time, with what the loop sets), d2k "
                                   "converts it once; write one line per container to have them all",
                                   cmd.lines[0]))
        if cmd.error is not None:
            raise self._fail(cmd.error[0], cmd.error[1])
        words = [Word(text, line) for text, line in zip(cmd.words[start:], cmd.lines[start:], strict=True)]
        words[0] = Word(_basename(words[0].text), words[0].line)
        environment = {name: (var.value, var.line) for name, var in self.env.items() if var.exported}
        environment.update((name, (var.value, var.line)) for name, _op, var in cmd.prefix_assignments)
        for name, value in _unwrap(cmd.words)[1]:
            if name == "clear":
                environment.clear()
            elif name == "unset":
                environment.pop(value, None)
            else:
                environment[name] = (value, words[0].line)
        unexported = frozenset(name for name in self.env if name not in environment and name != _ALLEXPORT)
        command = Command(tuple(words), Origin(self.file, words[0].line), tuple(cmd.feeds), environment, unexported)
        self.out.append((command, cmd.notes))

    def _placeholder_in_assignment(self, cmd: _Cmd) -> None:
        """`TOKEN=<your-token>` would read a file named `your-token`: a placeholder to fill in, as in a command."""
        if cmd.error is not None and "placeholder" in cmd.error[0]:
            raise self._fail(cmd.error[0], cmd.error[1])

    def _declare(self, cmd: _Cmd) -> None:
        """`export A=1 B`, `declare -x A`, `local A`: record; export marks names the CLI will see."""
        options = [word for word in cmd.words[1:] if word.startswith("-")]
        exported = cmd.words[0] == "export" or any("x" in option for option in options)
        self._record(cmd.declared, exported=exported, after=cmd.after)
        if exported:
            for word in cmd.words[1:]:
                var = self.env.get(word)
                if var is not None:
                    self.env[word] = replace(var, exported=True)

    def _set(self, arguments: list[str]) -> None:
        """`set -a` (or `-o allexport`) exports every later assignment, until `set +a`."""
        for index, option in enumerate(arguments):
            flag = arguments[index + 1] if option in ("-o", "+o") and index + 1 < len(arguments) else ""
            if (option[:1] == "-" and "a" in option[1:] and option != "-o") or (option == "-o" and flag == "allexport"):
                self.env[_ALLEXPORT] = _Var("")
            elif (option[:1] == "+" and "a" in option[1:] and option != "+o") or (option == "+o" and flag == "allexport"):
                self.env.pop(_ALLEXPORT, None)

    def _cd(self, arguments: list[str]) -> None:
        """`cd DIR` moves the folder `$(pwd)` names; where to is unknown without an absolute or relative DIR."""
        folder = self.env.get("PWD")
        if folder is None:
            return
        target = next((word for word in arguments if not word.startswith("-")), "")
        if not target or "$" in target or "`" in target or target.startswith("~"):
            self.env.pop("PWD", None)
            return
        path = posixpath.normpath(posixpath.join(folder.value, target))
        self.env["PWD"] = replace(folder, value=path, note=(
            "working-folder", f"is read as {path}: the input's folder, then `cd {_short(target)}`"))

    def _record(self, assignments: list[tuple[str, str, _Var]], exported: bool = False,
                after: tuple[str, int] | None = None) -> None:
        """Set the variables; `after`: the `&&`/`||` the assignments follow, which the shell may not run."""
        for name, operator, var in assignments:
            old = self.env.get(name)
            if old is not None and old.given:
                done = "unset" if operator == "unset" else "assigned"
                self.file_notes.append(_Note("var-given", Severity.INFO, f"${name} is {done} here; d2k keeps the "
                                             f"value --var {name} gives", var.line or self.line))
                continue
            if operator == "unset":
                self.env.pop(name, None)
                continue
            if operator == "+=" and old is not None:
                var = replace(var, value=old.value + var.value, unresolved=old.unresolved + var.unresolved)
            if after is not None:
                joined, at = after
                var = replace(var, note=(
                    "conditional-assignment",
                    f"is set at line {var.line or at} only if the command before its {joined} "
                    f"{'succeeds' if joined == '&&' else 'fails'}: d2k used that value; give the one you mean "
                    f"with --var {name}=VALUE"))
            # an assignment keeps a variable's export mark, as in a shell
            exported_now = exported or _ALLEXPORT in self.env or (old is not None and old.exported)
            self.env[name] = replace(var, exported=exported_now)
            if self.ifs:
                self.ifs[-1].assigned.setdefault(name, []).append((self.ifs[-1].branch, var.line))

    def _cut_short(self, message: str, line: int) -> None:
        if self.cmd.error is None:
            self.cmd.error = (message, line)

    def _inner(self, body: str, line: int) -> _Lexer:
        """A lexer for a script inside this one (a substitution, a here-document): a subshell's copy of the
        variables, the same expansion budget, and a bounded nesting."""
        if self.depth >= _MAX_NESTING:
            raise self._fail("command substitutions or here-documents nested too deeply: simplify the script", line)
        return _Lexer(body, line, self.file, dict(self.env), depth=self.depth + 1, budget=self.budget,
                      functions=self.functions)

    def _inner_commands(self, body: str, line: int, piece: str) -> bool:
        inner = self._inner(body, line)
        found = inner.run()
        self.file_notes.extend(inner.file_notes)
        for command, notes in found:
            captured = Feed("output", f"captured by {_short(piece)}", line)
            self.out.append((replace(command, feeds=(*command.feeds, captured)), notes))
        return bool(found)


# --------------------------------------------------------------------------- entry point


def _mentions(text: str, names: Iterable[str]) -> dict[str, set[int]]:
    """The lines where each name appears as a word, in one pass over the text (whatever the number of names)."""
    wanted = set(names)
    found: dict[str, set[int]] = {name: set() for name in wanted}
    for number, line in enumerate(text.split("\n"), 1):
        for word in _NAME_RUN.findall(line):
            if word in wanted:
                found[word].add(number)
    return found


def _function_note(placeholder: Diagnostic, functions: _Functions, mentions: dict[str, set[int]]) -> Diagnostic:
    """A docker command in a function's body: where the shell runs it, or that it never does.

    Calls are the commands that run the name, and, so that "never calls" is only said when true, any
    other place the name appears as a word (`ID=$(start_db)`, `eval`, a dispatcher's table)."""
    name = placeholder.message
    defined = functions.defined.get(name, 0)
    body = range(defined, functions.ends.get(name, defined) + 1)  # its own words, a recursive call: not calls
    calls = sorted(line for line in set(functions.calls.get(name, [])) | mentions.get(name, set()) if line not in body)
    where = f"inside function {name} (line {defined})"
    if calls:
        at = f"line {calls[0]}" if len(calls) == 1 else "lines " + ", ".join(map(str, calls))
        return replace(placeholder, message=f"{where}, which the input calls at {at}: converted once, as written")
    return replace(placeholder, severity=Severity.APPROXIMATED, message=(
        f"{where}, which the input never calls: a shell would not run this docker command; d2k reads it as written "
        f"(remove it from the input if it is not meant to run)"))


def extract(text: str, file: str, *, variables: Mapping[str, str] | None = None,
            folder: str | None = None) -> Extraction:
    """Every docker/podman command in a plain list, shell script or Markdown file (see CONTRACT).

    `variables` (--var NAME=VALUE) are the environment the script starts in, exported; they are the
    user's answer, so the script's own assignments to them are ignored (reported). `folder` is where
    the script is taken to run
    (the input's folder): `$PWD` and `$(pwd)` name it, reported where used.
    """
    text = text.replace("\r\n", "\n")
    result = Extraction()
    notes = result.diagnostics  # Markdown notes and command notes, in input order
    env = {name: _Var(value, exported=True, given=True) for name, value in (variables or {}).items()}
    if folder is not None and "PWD" not in env:
        env["PWD"] = _Var(folder, exported=True, note=(
            "working-folder", f"is read as the input's folder, {folder}: the script is taken to run there"))
    if _is_markdown(text, file):
        segments: Iterator[_Segment] = _markdown_segments(text, notes, file)
    elif PurePath(file).suffix.lower() in _SCRIPT_SUFFIXES:
        segments = iter([_Segment(text, 1, False)])
    else:  # a plain list may be a pasted terminal session: `$ ` lines are commands, the rest output
        segments = iter([_Segment(_block_segment(text.split("\n"), ""), 1, False)])
    seen: set[tuple[str, str, int]] = set()
    unset: dict[str, tuple[int, list[int]]] = {}  # variable -> (its diagnostic's index, the lines using it)
    in_function: list[int] = []  # indexes of the diagnostics of docker commands inside a function's body
    budget = _Budget()
    functions = _Functions()
    for segment in segments:
        lexer = _Lexer(segment.text, segment.line, file, env, budget=budget, functions=functions)
        try:
            found = lexer.run()
        except InputError:
            if segment.guarded and not _MENTIONS_PROGRAM.search(segment.text):
                notes.append(Diagnostic("skipped-block", Severity.INFO,
                                        "a code block without docker commands is not valid shell: skipped",
                                        Origin(file, segment.line)))
                continue
            raise
        for command, command_notes in found:
            result.commands.append(command)
            for note in command_notes:
                if note.variable:
                    if note.variable in unset:
                        unset[note.variable][1].append(note.line)
                        continue
                    unset[note.variable] = (len(notes), [note.line])
                key = (note.code, note.message, note.line)
                if key not in seen:
                    seen.add(key)
                    if note.code == _IN_FUNCTION:
                        in_function.append(len(notes))
                    notes.append(Diagnostic(note.code, note.severity, note.message, Origin(file, note.line)))
        for note in lexer.file_notes:
            notes.append(Diagnostic(note.code, note.severity, note.message, Origin(file, note.line)))
    mentions = _mentions(text, functions.defined) if in_function else {}
    for index in in_function:
        notes[index] = _function_note(notes[index], functions, mentions)
    for name, (index, lines) in unset.items():
        used = sorted(set(lines))
        where = f"line {used[0]}" if len(used) == 1 else "lines " + ", ".join(map(str, used))
        notes[index] = replace(notes[index], message=f"${name} is not set in the input ({where}): kept as written; "
                                                     f"give its value with --var {name}=VALUE")
    return result
