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
from d2k.report import Diagnostic, Severity

PROGRAMS = frozenset({"docker", "podman"})


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


# --------------------------------------------------------------------------- shell lexer

_BLANKS = " \t\r"
_PLAIN = re.compile(r"[^ \t\r\n\\'\"$`|&;<>()]+")
_FRAGMENT_PLAIN = re.compile(r"[^\\'\"$`]+")
_DQ_PLAIN = re.compile(r"[^\"\\$`]+")
_BACKTICK_BODY = re.compile(r"(?:[^`\\]|\\.)*`", re.S)
_ANSI_BODY = re.compile(r"(?:[^'\\]|\\.)*'", re.S)
_ANSI_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
                "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^\]\n]*\])?(\+?=)")
_PARAM = re.compile(r"(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(?:(:?[-=+?])(.*))?", re.S)
_OPERATOR = re.compile(r"&&|\|\||;;&?|;&|\|&|[;&|()]")
_REDIRECT = re.compile(r"(\d*)(<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)")
_PLACEHOLDER = re.compile(r"<[^\s<>|&;()'\"]+>")
_IFS = re.compile(r"[ \t\n]+")
_TILDE = re.compile(r"~[A-Za-z0-9._-]*(?=[/:]|[ \t\r\n;&|()<>]|$)")
_RESERVED = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "time"})
_MAX_NESTING = 32
# characters all variable expansions of one input may produce: `A=$A$A` doubles at each line, and
# forty such lines would need a terabyte; a real script stays far below this
_MAX_EXPANDED = 1 << 25
_WORD_END = frozenset(" \t\r\n;&|()<>")
_DECLARATIONS = frozenset({"export", "readonly", "local", "declare", "typeset"})

UNRESOLVED = "unresolved-variable"
SUBSTITUTION = "command-substitution"


@dataclass(frozen=True, slots=True)
class _Var:
    """A script variable: its value, and the pieces in it d2k could not resolve (code, text as written)."""

    value: str
    unresolved: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class _Budget:
    """What variable expansion may still produce, shared by every lexer of one input."""

    left: int = _MAX_EXPANDED


@dataclass(frozen=True, slots=True)
class _Note:
    """A diagnostic waiting to learn whether its command is a docker one (others are dropped)."""

    code: str
    severity: Severity
    message: str
    line: int
    piece: str = ""  # the unresolved text as written, kept when a variable stores it


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


class _Fields:
    """Builds the fields of one word: literal text joins, unquoted expansions split on blanks."""

    __slots__ = ("fields", "current", "has_content")

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.current: list[str] = []
        self.has_content = False

    def literal(self, text: str) -> None:
        self.current.append(text)
        self.has_content = True

    def expansion(self, value: str, split: bool) -> None:
        if not split:
            if value:
                self.literal(value)
            return
        for index, part in enumerate(_IFS.split(value)):
            if index:
                self.end()
            if part:
                self.literal(part)

    def end(self) -> None:
        if self.has_content:
            self.fields.append("".join(self.current))
        self.current = []
        self.has_content = False

    def result(self) -> list[str]:
        self.end()
        return self.fields


def _short(piece: str) -> str:
    """Quote a construct in a message without flooding it."""
    piece = " ".join(piece.split())
    return piece if len(piece) <= 40 else piece[:37] + "..."


def _ansi_c(body: str) -> str:
    """Decode the escapes of a `$'...'` string."""

    def one(match: re.Match[str]) -> str:
        esc = match.group(1)
        kind = esc[0]
        try:
            if kind == "x" or kind in "uU":
                return chr(int(esc[1:], 16))
            if kind in "01234567":
                return chr(int(esc, 8) & 0xFF)
        except (ValueError, OverflowError):
            return match.group(0)
        if kind == "c":
            return chr(ord(esc[1]) & 0x1F) if esc[1] != "?" else "\x7f"
        return _ANSI_SIMPLE.get(kind, match.group(0))

    return _ANSI_ESCAPE.sub(one, body)


class _Lexer:
    """Reads one piece of shell text (a script, a code block, a code span) into simple commands.

    Hand-written rather than shlex: shlex knows neither line numbers nor `$(...)`, here-documents,
    `` `#optional` `` or which words a shell would split.
    """

    def __init__(self, src: str, line: int, file: str, env: dict[str, _Var],
                 overlay: dict[str, _Var] | None = None, depth: int = 0, budget: _Budget | None = None) -> None:
        self.src = src
        self.n = len(src)
        self.pos = 0
        self.line = line
        self.file = file
        self.env = env
        self.overlay: dict[str, _Var] = {} if overlay is None else overlay
        self.depth = depth  # nesting of `${X:-${Y:-...}}` defaults, bounded
        self.budget = _Budget() if budget is None else budget
        self.notes: list[_Note] = []
        self.heredocs: list[tuple[str, bool]] = []
        self.cmd = _Cmd()
        self.out: list[tuple[Command, list[_Note]]] = []

    # ---- errors and notes

    def _fail(self, message: str, line: int) -> InputError:
        return InputError(message, self.file, line)

    def _note(self, code: str, severity: Severity, message: str, line: int, piece: str = "") -> None:
        self.notes.append(_Note(code, severity, message, line, piece))

    def _unresolved(self, fields: _Fields, piece: str, code: str, message: str, line: int) -> None:
        fields.literal(piece)
        self._note(code, Severity.APPROXIMATED, message, line, piece)

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

    def _continuation(self) -> None:
        """Skip a backslash-newline; one with nothing after it leaves the command cut short."""
        if self.pos + 2 >= self.n:
            raise self._fail("the command ends with a \\ continuation but nothing follows: "
                             "remove the backslash or finish the command", self.line)
        self.pos += 2
        self.line += 1

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

    def _word(self, split: bool, word_start: bool = False, fragment: bool = False) -> list[str]:
        """Read one word at self.pos; a fragment (an expansion's default) runs to the end of src."""
        src, n = self.src, self.n
        if not fragment:  # fast path: most words are one plain run
            run = _PLAIN.match(src, self.pos)
            if run and (run.end() == n or src[run.end()] in _WORD_END) and not run.group().startswith("~"):
                self.pos = run.end()
                return [run.group()]
        fields = _Fields()
        plain = _FRAGMENT_PLAIN if fragment else _PLAIN
        if word_start and src.startswith("~", self.pos):
            tilde = _TILDE.match(src, self.pos)
            if tilde:
                self._note(UNRESOLVED, Severity.APPROXIMATED,
                           f"{tilde.group()} (a home directory) is not known: kept as written",
                           self.line, tilde.group())
        while self.pos < n:
            run = plain.match(src, self.pos)
            if run:
                text = run.group()
                fields.literal(text)
                self.line += text.count("\n") if fragment else 0
                self.pos = run.end()
                continue
            char = src[self.pos]
            if char == "\\":
                self._backslash(fields)
            elif char == "'":
                close = src.find("'", self.pos + 1)
                if close < 0:
                    raise self._fail("unbalanced single quote: close it with ' (or escape it as \\')", self.line)
                text = src[self.pos + 1:close]
                fields.literal(text)
                self.line += text.count("\n")
                self.pos = close + 1
            elif char == '"':
                self._double_quotes(fields)
            elif char == "$":
                self._dollar(fields, split, quoted=False)
            elif char == "`":
                self._backtick(fields)
            elif char in "<>" and src[self.pos + 1:self.pos + 2] == "(" and not fields.current:
                self._process_substitution(fields)
            else:
                break
        return fields.result()

    def _backslash(self, fields: _Fields) -> None:
        src = self.src
        following = src[self.pos + 1:self.pos + 2]
        if following == "\n":
            self._continuation()
        elif following == "":
            raise self._fail("the command ends with a \\ continuation but nothing follows: "
                             "remove the backslash or finish the command", self.line)
        else:
            if following in " \t":
                rest = self.pos + 2
                while rest < self.n and src[rest] in _BLANKS:
                    rest += 1
                if rest >= self.n or src[rest] == "\n":
                    self._note("backslash-space", Severity.INFO,
                               "a \\ followed by a space ends this line: the shell does not join the next "
                               "line to the command; remove the space after the \\", self.line)
            fields.literal(following)
            self.pos += 2

    def _double_quotes(self, fields: _Fields, to_end: bool = False) -> None:
        """`"..."`: only $ ` \\ are special; `to_end` reads a fragment that has no closing quote."""
        src, n = self.src, self.n
        opened = self.line
        if not to_end:
            self.pos += 1
        fields.literal("")
        while True:
            if self.pos >= n:
                if to_end:
                    return
                raise self._fail('unbalanced double quote: close it with " (or escape it as \\")', opened)
            run = _DQ_PLAIN.match(src, self.pos)
            if run:
                text = run.group()
                fields.literal(text)
                self.line += text.count("\n")
                self.pos = run.end()
                continue
            char = src[self.pos]
            if char == '"':
                self.pos += 1  # in a `"${X:-"..."}"` default, inner quotes are removed (as bash does)
                if not to_end:
                    return
            elif char == "\\":
                following = src[self.pos + 1:self.pos + 2]
                if following == "\n":
                    self.pos += 2
                    self.line += 1
                elif following in ("$", "`", '"', "\\"):
                    fields.literal(following)
                    self.pos += 2
                else:
                    fields.literal("\\")
                    self.pos += 1
            elif char == "$":
                self._dollar(fields, split=False, quoted=True)
            else:
                self._backtick(fields)

    def _backtick(self, fields: _Fields) -> None:
        body = _BACKTICK_BODY.match(self.src, self.pos + 1)
        if body is None:
            raise self._fail("unbalanced backtick: close the command substitution with `", self.line)
        piece = self.src[self.pos:body.end()]
        line = self.line
        self.pos = body.end()
        self.line += piece.count("\n")
        if piece[1:-1].strip().startswith("#"):
            return  # `#optional`: a substitution whose body is a comment expands to nothing
        self._unresolved(fields, piece, SUBSTITUTION, f"{_short(piece)} is not run: kept as written", line)

    def _process_substitution(self, fields: _Fields) -> None:
        close = self._scan(self.pos + 2, ")", in_double_quotes=False)
        if close < 0:
            raise self._fail("unterminated process substitution: close it with )", self.line)
        piece = self.src[self.pos:close + 1]
        line = self.line
        self.line += piece.count("\n")
        self.pos = close + 1
        self._unresolved(fields, piece, SUBSTITUTION, f"{_short(piece)} is not run: kept as written", line)

    def _dollar(self, fields: _Fields, split: bool, quoted: bool) -> None:
        src = self.src
        start, line = self.pos, self.line
        following = src[start + 1:start + 2]
        if following == "'" and not quoted:
            body = _ANSI_BODY.match(src, start + 2)
            if body is None:
                raise self._fail("unbalanced $' quote: close it with '", line)
            text = src[start + 2:body.end() - 1]
            fields.literal(_ansi_c(text))
            self.line += text.count("\n")
            self.pos = body.end()
        elif following == '"' and not quoted:
            self.pos += 1
            self._double_quotes(fields)
        elif following in ("(", "{"):
            closer = ")" if following == "(" else "}"
            close = self._scan(start + 2, closer, in_double_quotes=quoted)
            if close < 0:
                raise self._fail(f"unterminated ${following}: close it with {closer}", line)
            piece = src[start:close + 1]
            self.pos = close + 1
            self.line += piece.count("\n")
            if following == "{":
                self._parameter(fields, piece, split, quoted, line)
            elif piece.startswith("$((") and piece.endswith("))"):
                self._unresolved(fields, piece, UNRESOLVED, f"{_short(piece)} is not evaluated: kept as written",
                                 line)
            else:
                self._unresolved(fields, piece, SUBSTITUTION, f"{_short(piece)} is not run: kept as written",
                                 line)
        else:
            name = _NAME.match(src, start + 1)
            if name:
                self.pos = name.end()
                self._substitute(fields, name.group(), "$" + name.group(), split, line)
            elif following and following in "0123456789@*#?$!-":
                self.pos += 2
                self._unresolved(fields, src[start:self.pos], UNRESOLVED,
                                 f"${following} (a script argument or shell state) is not known: kept as written",
                                 line)
            else:
                fields.literal("$")
                self.pos += 1

    def _lookup(self, name: str) -> _Var | None:
        found = self.overlay.get(name)
        return found if found is not None else self.env.get(name)

    def _substitute(self, fields: _Fields, name: str, piece: str, split: bool, line: int) -> None:
        var = self._lookup(name)
        if var is None:
            self._unresolved(fields, piece, UNRESOLVED, f"${name} is not set in the input: kept as written", line)
            return
        self.budget.left -= len(var.value)
        if self.budget.left < 0:
            raise self._fail(f"variables expand to more than {_MAX_EXPANDED:,} characters (${name} "
                             "keeps doubling?): d2k stops here", line)
        fields.expansion(var.value, split)
        for code, unresolved in var.unresolved:
            self._note(code, Severity.APPROXIMATED,
                       f"${name} holds {_short(unresolved)}, which d2k cannot resolve: kept as written",
                       line, unresolved)

    def _parameter(self, fields: _Fields, piece: str, split: bool, quoted: bool, line: int) -> None:
        """`${...}`: the POSIX default/alternative forms; anything else stays as written."""
        form = _PARAM.fullmatch(piece[2:-1])
        if form is None or (form.group(1) and form.group(3)):
            self._unresolved(fields, piece, UNRESOLVED, f"{_short(piece)} cannot be expanded: kept as written",
                             line)
            return
        length, name, operator, word = form.groups()
        var = self._lookup(name) if _NAME.fullmatch(name) else None
        if length:
            if var is None:
                self._unresolved(fields, piece, UNRESOLVED, f"${name} is not set in the input: kept as written",
                                 line)
            else:
                fields.expansion(str(len(var.value)), split)
            return
        if operator is None:
            self._substitute(fields, name, piece, split, line)
            return
        is_set = var is not None and (not operator.startswith(":") or var.value != "")
        kind = operator[-1]
        if kind in "-=":
            if is_set:
                self._substitute(fields, name, piece, split, line)
                return
            default = self._fragment(word, quoted)
            if kind == "=" and _NAME.fullmatch(name):
                self.env[name] = default
            fields.expansion(default.value, split)
            self._note("variable-default", Severity.INFO,
                       f"${name} is not set in the input: used its default", line)
        elif kind == "+":
            if is_set:
                fields.expansion(self._fragment(word, quoted).value, split)
        elif is_set:
            self._substitute(fields, name, piece, split, line)
        else:
            self._unresolved(fields, piece, UNRESOLVED, f"${name} is not set in the input: kept as written", line)

    def _fragment(self, text: str, quoted: bool) -> _Var:
        """Expand the word inside `${X:-word}` with the same variables; its notes join ours."""
        if self.depth >= _MAX_NESTING:
            raise self._fail("${...} defaults nested too deeply: simplify the expansion", self.line)
        sub = _Lexer(text, self.line, self.file, self.env, self.overlay, self.depth + 1, self.budget)
        fields = _Fields()
        if quoted:
            sub._double_quotes(fields, to_end=True)
            value = "".join(fields.result())
        else:
            value = "".join(sub._word(split=False, fragment=True))
        self.notes.extend(sub.notes)
        return _Var(value, tuple((note.code, note.piece) for note in sub.notes if note.piece))

    def _scan(self, pos: int, closer: str, in_double_quotes: bool) -> int:
        """Index of the `)` or `}` closing a `$(`/`${` opened just before pos, or -1.

        Iterative, with a stack of (closer, inside double quotes), so deep nesting cannot overflow.
        """
        src, n = self.src, self.n
        stack = [(closer, in_double_quotes)]
        while pos < n:
            char = src[pos]
            top, quoted = stack[-1]
            if char == "\\":
                pos += 2
            elif char == "`":
                body = _BACKTICK_BODY.match(src, pos + 1)
                if body is None:
                    return -1
                pos = body.end()
            elif char == "$" and src[pos + 1:pos + 2] in ("(", "{"):
                inner = ")" if src[pos + 1] == "(" else "}"
                stack.append((inner, quoted and inner == "}"))
                pos += 2
            elif top == '"':
                if char == '"':
                    stack.pop()
                pos += 1
            elif char == "'" and not (quoted and top == "}"):
                close = src.find("'", pos + 1)
                if close < 0:
                    return -1
                pos = close + 1
            elif char == '"':
                stack.append(('"', True))
                pos += 1
            elif char == top:
                stack.pop()
                if not stack:
                    return pos
                pos += 1
            else:
                if char == ("(" if top == ")" else "{"):
                    stack.append((top, quoted))
                pos += 1
        return -1

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
_SUDO_VALUE_OPTIONS = frozenset("ugpCrtUTDRh")
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


# --------------------------------------------------------------------------- Markdown

_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
_SCRIPT_SUFFIXES = frozenset({".sh", ".bash", ".zsh", ".ksh"})
_LOOKS_MARKDOWN = re.compile(r"^[ \t]*(?:```|~~~)|^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M)
_FENCE_OPEN = re.compile(r"([ \t]*)(`{3,}|~{3,})(.*)")
_BACKTICKS = re.compile(r"`+")
_MENTIONS_PROGRAM = re.compile(r"(?<![\w.-])(?:docker|podman)(?![\w.-])")
_SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "zsh", "ksh", "dash", "text", "txt", "plain",
                              "plaintext", "none", "docker", "cli", "terminal", "console", "shell-session",
                              "shellsession", "sh-session", "bash-session"})
_CONSOLE_LANGUAGES = frozenset({"console", "shell-session", "shellsession", "sh-session", "bash-session",
                                "terminal"})


@dataclass(frozen=True, slots=True)
class _Segment:
    """Shell text found in a document; `guarded`: skipped, not fatal, if it cannot be lexed and has no docker."""

    text: str
    line: int
    guarded: bool


def _is_markdown(text: str, file: str) -> bool:
    suffix = PurePath(file).suffix.lower()
    if suffix in _MARKDOWN_SUFFIXES:
        return True
    if suffix in _SCRIPT_SUFFIXES:
        return False
    return _LOOKS_MARKDOWN.search(text) is not None


def _starts_with_program(text: str) -> bool:
    """Does this code span / prompt line start a docker command (`$ sudo -E FOO=1 docker ...`)?"""
    tokens = text.split(None, 16)
    index = 0
    if tokens[index:index + 1] == ["$"]:
        index += 1
    if tokens[index:index + 1] == ["sudo"]:
        index += 1
        while index < len(tokens) and tokens[index].startswith("-"):
            option = tokens[index]
            index += 2 if not option.startswith("--") and option[-1] in _SUDO_VALUE_OPTIONS else 1
    while index < len(tokens) and _ASSIGNMENT.match(tokens[index]):
        index += 1
    return index < len(tokens) and PurePath(tokens[index]).name in PROGRAMS


def _code_spans(line: str) -> Iterator[str]:
    """The inline code spans of one line (CommonMark: a run of N backticks closes on the next run of N)."""
    runs = list(_BACKTICKS.finditer(line))
    by_length: dict[int, list[int]] = {}
    for index, run in enumerate(runs):
        by_length.setdefault(len(run.group()), []).append(index)
    cursor = {length: 0 for length in by_length}
    index = 0
    while index < len(runs):
        length = len(runs[index].group())
        same = by_length[length]
        position = cursor[length]
        while position < len(same) and same[position] <= index:
            position += 1
        cursor[length] = position
        if position == len(same):
            index += 1
            continue
        closing = same[position]
        content = line[runs[index].end():runs[closing].start()]
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        yield content
        index = closing + 1


def _block_segment(body: list[str], language: str) -> str:
    """The shell text of a fenced block: a transcript keeps only its prompt lines and their continuations."""
    console = language in _CONSOLE_LANGUAGES
    prompted = any(line.lstrip().startswith("$ ") or line.strip() == "$" for line in body)
    if not prompted and not (console and any(line.lstrip().startswith("# ") for line in body)):
        return "\n".join(body)
    kept: list[str] = []
    continuing = False
    for line in body:
        stripped = line.lstrip()
        if continuing:
            kept.append(stripped[2:] if stripped.startswith("> ") else line)
        elif stripped.startswith("$ ") or stripped == "$":
            kept.append(stripped[1:])
        elif console and stripped.startswith("# ") and _starts_with_program(stripped[2:]):
            kept.append(stripped[2:])
        elif _starts_with_program(stripped):
            kept.append(stripped)  # a docker command written without its prompt: read, never dropped as output
        else:
            kept.append("")
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        continuing = trailing % 2 == 1
    return "\n".join(kept)


def _markdown_segments(text: str, notes: list[Diagnostic], file: str) -> Iterator[_Segment]:
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE_OPEN.fullmatch(line)
        if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(3)):
            indent, marker, info = len(fence.group(1)), fence.group(2), fence.group(3).strip()
            end = index + 1
            while end < len(lines):
                closing = lines[end].strip(" \t\r")
                if len(closing) >= len(marker) and closing == marker[0] * len(closing):
                    break
                end += 1
            body = [_dedent(body_line.rstrip("\r"), indent) for body_line in lines[index + 1:end]]
            language = info.split()[0].strip("{}.").lower() if info else ""
            if language in _SHELL_LANGUAGES:
                yield _Segment(_block_segment(body, language), index + 2, True)
            elif any(_starts_with_program(body_line.lstrip("$# \t")) for body_line in body if body_line.strip()):
                notes.append(Diagnostic("skipped-block", Severity.INFO,
                                        f"a ```{_short(language)} block with docker commands was not read: "
                                        "only shell blocks (bash, sh, console...) are",
                                        Origin(file, index + 1)))
            index = end + 1
            continue
        if "`" in line:
            table_row = line.lstrip().startswith("|")
            for span in _code_spans(line):
                if table_row:
                    span = span.replace("\\|", "|")
                if _starts_with_program(span):
                    yield _Segment(span, index + 1, False)
        index += 1


def _dedent(line: str, indent: int) -> str:
    removable = len(line) - len(line.lstrip(" "))
    return line[min(removable, indent):]


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
