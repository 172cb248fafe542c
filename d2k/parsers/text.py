"""Text -> docker commands: plain lists, shell scripts and Markdown, lexed as a POSIX shell would.

CONTRACT (used by d2k.parsers.docker_run; keep it stable):

    extract(text: str, file: str) -> Extraction

Extraction.commands lists every simple command whose program is `docker` or `podman`
(after `$ ` / `# ` prompts, `sudo [opts]`, and leading `VAR=value` assignments are stripped),
in input order. Command.words are its words after shell processing (quotes removed,
variables substituted where known), each with the 1-based line it starts on, beginning
with the program word itself ("docker"/"podman"). Unbalanced quotes, or a command cut
short, raise d2k.errors.InputError(message, file, line).
Extraction.diagnostics reports what stayed unresolved (`$(pwd)`, unset variables: the
text stays in the word as written) and anything skipped.

Details:

* Format. `.md`/`.markdown` files, or any non-script file with a fenced block or a table,
  are Markdown: only inline code spans that start with a docker/podman command and fenced
  blocks (``` or ~~~) of a shell-like language (none, bash, sh, shell, console, text...) are
  read; blocks of other languages are skipped (an info diagnostic when they hold docker
  commands). A fenced block that holds no docker command and cannot be lexed is skipped,
  not an error. In a block with `$ ` prompts only prompt lines (and their continuations)
  are commands, the rest is output; `# ` is a root prompt (before a docker command) only in
  console/shell-session blocks. Anything else is a plain list or a shell script (`.sh`):
  `# ` starts a comment; a plain list with `$ ` prompts is read as a terminal session too.
* Shell. One command per line; `\\`-newline continues (`\\ `-newline does not: info
  diagnostic "backslash-space"); `#` comments; `&& || ; | &` and parentheses split commands;
  redirections and here-documents are dropped; `sudo`/`env`/`exec`/`nohup`/`command`/`time`
  wrappers and reserved words (`if`, `then`, `do`, `!`...) are stripped. Quotes: '...', "...",
  `$'...'`, unquoted backslash. `NAME=value`, `export`/`readonly`/`local`/`declare` assignments
  are recorded in file order (across the Markdown blocks of one file), `unset` forgets;
  `$X`, `${X}`, `${X:-d}`, `${X-d}`, `${X:=d}`, `${X:+a}`, `${#X}` expand, and unquoted
  expansions are field-split. Never read from os.environ.
* Kept as written, with an APPROXIMATED diagnostic on the docker command: unset variables
  and `$PWD`/`$HOME` ("unresolved-variable"), `~`, `$@`, `${arr[@]}`, other `${...}` forms,
  `$((...))`; `$(...)`, backticks and `<(...)` ("command-substitution"). A backtick whose
  body is a comment (`` `#optional` ``) expands to nothing. Using a `${X:-default}` default
  gives an INFO "variable-default". Diagnostics name variables, never their values.
* Errors (InputError, at the line where the construct opened): unbalanced ' " ` or `$'`,
  unterminated `$(`/`${`, a trailing `\\` with nothing after it, and in a docker command a
  `<placeholder>` (a shell would read it as input redirection) or a redirection without target.
* Not supported: brace expansion and globs (left literal), aliases, `sh -c "..."` strings,
  arrays (`a=(...)` unsets a), loops (`$i` stays unresolved), `$SUDO docker` with SUDO unset,
  prompts other than `$ `/`# ` (`user@host:~$`), PowerShell/cmd continuations, fenced blocks
  inside block quotes, code spans across lines, HTML `<pre>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from d2k.errors import InputError
from d2k.model import Origin
from d2k.parsers.markdown import (
    _MENTIONS_PROGRAM,
    _SCRIPT_SUFFIXES,
    _SUDO_VALUE_OPTIONS,
    PROGRAMS,
    _block_segment,
    _is_markdown,
    _markdown_segments,
    _Segment,
)
from d2k.parsers.shell import (
    _ASSIGNMENT,
    _BLANKS,
    _DECLARATIONS,
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
from d2k.report import Diagnostic, Severity


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word after quote removal and expansion; `line` is where it starts (1-based)."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Command:
    """One docker/podman simple command. origin.text stays empty: the raw line may hold passwords."""

    words: tuple[Word, ...]
    origin: Origin


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

class _Lexer(_Expander):
    """Reads one piece of shell text (a script, a code block, a code span) into simple commands.

    Hand-written rather than shlex: shlex knows neither line numbers nor `$(...)`, here-documents,
    `` `#optional` `` or which words a shell would split.
    """

    def __init__(self, src: str, line: int, file: str, env: dict[str, _Var],
                 overlay: dict[str, _Var] | None = None, depth: int = 0, budget: _Budget | None = None) -> None:
        super().__init__(src, line, file, env, overlay, depth, budget)
        self.heredocs: list[tuple[str, bool]] = []
        self.cmd = _Cmd()
        self.out: list[tuple[Command, list[_Note]]] = []

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
            if char == "\n":
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
        self.pos = match.end() if match else self.pos + 1
        self._finish()

    def _skip_heredocs(self) -> None:
        """After the newline that ends a `<<EOF` line, its body lines are data, not commands."""
        src = self.src
        for delimiter, _strip_tabs in self.heredocs:
            while self.pos < self.n:
                end = src.find("\n", self.pos)
                if end < 0:
                    end = self.n
                text = src[self.pos:end]
                self.pos = min(end + 1, self.n)
                if end < self.n:
                    self.line += 1
                if text.strip(" \t\r") == delimiter:  # lenient: Markdown indents whole blocks
                    break
        self.heredocs.clear()

    def _redirect(self, match: re.Match[str]) -> None:
        start_line = self.line
        operator = match.group(2)
        if operator == "<" and self.cmd.error is None:
            placeholder = _PLACEHOLDER.match(self.src, match.start(2))
            if placeholder:
                self.cmd.error = (f"the command has a {_short(placeholder.group())} placeholder: replace it "
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
        target = "".join(self._word(split=False))
        self.notes = saved
        if operator in ("<<", "<<-"):
            self.heredocs.append((target, operator == "<<-"))

    # ---- words of a command

    def _command_word(self) -> None:
        cmd = self.cmd
        src = self.src
        start, line = self.pos, self.line
        assignment = _ASSIGNMENT.match(src, self.pos)
        if assignment and (cmd.in_prefix or cmd.declaring):
            self._assignment(assignment)
            return
        fields = self._word(split=True, word_start=True)
        cmd.notes.extend(self.notes)
        self.notes = []
        if cmd.in_prefix and src[start:self.pos] in _RESERVED:
            return
        if cmd.in_prefix and fields:
            cmd.in_prefix = False
            self.overlay.clear()  # `A=1 cmd $A`: the shell expands $A before A=1 takes effect
            cmd.declaring = fields[0] in _DECLARATIONS
        cmd.words.extend(fields)
        cmd.lines.extend([line] * len(fields))

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
        var = _Var("".join(fields), pieces)
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
            self._record(cmd.prefix_assignments)
            return
        if cmd.declaring:
            self._record(cmd.declared)
            return
        if cmd.words[0] == "unset":
            for word in cmd.words[1:]:
                self.env.pop(word, None)
            return
        start = _program_index(cmd.words)
        if start is None:
            return
        if cmd.error is not None:
            raise self._fail(cmd.error[0], cmd.error[1])
        words = [Word(text, line) for text, line in zip(cmd.words[start:], cmd.lines[start:], strict=True)]
        words[0] = Word(PurePath(words[0].text).name, words[0].line)
        self.out.append((Command(tuple(words), Origin(self.file, words[0].line)), cmd.notes))

    def _record(self, assignments: list[tuple[str, str, _Var]]) -> None:
        for name, operator, var in assignments:
            if operator == "unset":
                self.env.pop(name, None)
            elif operator == "+=" and name in self.env:
                old = self.env[name]
                self.env[name] = _Var(old.value + var.value, old.unresolved + var.unresolved)
            else:
                self.env[name] = var


# sudo/env options that take a value as the next word
_SUDO_LONG_VALUE = frozenset({"--user", "--group", "--prompt", "--close-from", "--role", "--type",
                              "--other-user", "--command-timeout", "--chdir", "--chroot", "--host"})
_ENV_VALUE_OPTIONS = frozenset("uCS")
_ENV_LONG_VALUE = frozenset({"--unset", "--chdir", "--split-string"})
_PLAIN_WRAPPERS = frozenset({"exec", "nohup", "command", "time", "builtin"})


def _skip_options(words: list[str], index: int, short_value: frozenset[str], long_value: frozenset[str]) -> int:
    """Index of the first word after a wrapper's options (`sudo -E -u root`, `env -u X`)."""
    while index < len(words):
        text = words[index]
        if text == "--":
            return index + 1
        if not text.startswith("-") or text == "-":
            return index
        if text.startswith("--"):
            index += 2 if text in long_value else 1
            continue
        cluster = text[1:]
        takes = next((i for i, char in enumerate(cluster) if char in short_value), -1)
        index += 2 if takes == len(cluster) - 1 else 1
    return index


def _program_index(words: list[str]) -> int | None:
    """Where docker/podman starts once wrappers (`sudo -E`, `env A=1`, `exec`) are skipped; None: not docker."""
    index = 0
    while index < len(words):
        name = PurePath(words[index]).name if "/" in words[index] else words[index]
        if name in PROGRAMS:
            return index
        if name == "sudo":
            index = _skip_options(words, index + 1, _SUDO_VALUE_OPTIONS, _SUDO_LONG_VALUE)
        elif name == "env":
            index = _skip_options(words, index + 1, _ENV_VALUE_OPTIONS, _ENV_LONG_VALUE)
        elif name in _PLAIN_WRAPPERS:
            index = _skip_options(words, index + 1, frozenset("a"), frozenset())
        else:
            return None
        while index < len(words) and _ASSIGNMENT.match(words[index]):
            index += 1
    return None


# --------------------------------------------------------------------------- entry point


def extract(text: str, file: str) -> Extraction:
    """Every docker/podman command in a plain list, shell script or Markdown file (see CONTRACT)."""
    text = text.replace("\r\n", "\n")
    result = Extraction()
    notes = result.diagnostics  # Markdown notes and command notes, in input order
    env: dict[str, _Var] = {}
    if _is_markdown(text, file):
        segments: Iterator[_Segment] = _markdown_segments(text, notes, file)
    elif PurePath(file).suffix.lower() in _SCRIPT_SUFFIXES:
        segments = iter([_Segment(text, 1, False)])
    else:  # a plain list may be a pasted terminal session: `$ ` lines are commands, the rest output
        segments = iter([_Segment(_block_segment(text.split("\n"), ""), 1, False)])
    seen: set[tuple[str, str, int]] = set()
    budget = _Budget()
    for segment in segments:
        try:
            found = _Lexer(segment.text, segment.line, file, env, budget=budget).run()
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
                key = (note.code, note.message, note.line)
                if key not in seen:
                    seen.add(key)
                    notes.append(Diagnostic(note.code, note.severity, note.message, Origin(file, note.line)))
    return result
