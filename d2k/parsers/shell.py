"""Shell words: quotes, variables and substitutions, as a POSIX shell expands them (see d2k.parsers.text).

Split from text.py by family: this module turns the characters of one word into its fields;
text.py reads commands (operators, redirections, assignments) and Markdown lives in markdown.py.
"""

from __future__ import annotations

import re
from sys import intern

from d2k.errors import InputError
from d2k.patterns import lazy
from d2k.records import dataclass
from d2k.report import Severity

_BLANKS = " \t\r"
_PLAIN = lazy(r"[^ \t\r\n\\'\"$`|&;<>()]+")
_FRAGMENT_PLAIN = lazy(r"[^\\'\"$`]+")
_DQ_PLAIN = lazy(r"[^\"\\$`]+")
_BACKTICK_BODY = lazy(r"(?:[^`\\]|\\.)*`", re.S)
_ANSI_BODY = lazy(r"(?:[^'\\]|\\.)*'", re.S)
_ANSI_ESCAPE = lazy(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
                "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
_NAME = lazy(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = lazy(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^\]\n]*\])?(\+?=)")
_PARAM = lazy(r"(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(?:(:?[-=+?])(.*))?", re.S)
_OPERATOR = lazy(r"&&|\|\||;;&?|;&|\|&|[;&|()]")
_REDIRECT = lazy(r"(\d*)(<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)")
# `<your-token>`, `<server container IP>`: documentation placeholders; never `< in.txt >out.txt`
_PLACEHOLDER = lazy(r"<[^\s<>|&;()'\"](?:[^<>|&;()'\"\n]*[^\s<>|&;()'\"])?>")
_IFS = lazy(r"[ \t\n]+")
_TILDE = lazy(r"~[A-Za-z0-9._-]*(?=[/:]|[ \t\r\n;&|()<>]|$)")
_RESERVED = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "time"})
_MAX_NESTING = 32
# characters all variable expansions of one input may produce: `A=$A$A` doubles at each line, and
# forty such lines would need a terabyte; a real script stays far below this
_MAX_EXPANDED = 1 << 25
_WORD_END = frozenset(" \t\r\n;&|()<>")
_DECLARATIONS = frozenset({"export", "readonly", "local", "declare", "typeset"})

_PWD_COMMAND = lazy(r"\s*pwd(?:\s+-[LP])?\s*")
_MENTIONS_DOCKER = lazy(r"(?<![\w.-])(?:docker|podman)(?![\w.-])")
_BACKQUOTE_ESCAPE = lazy(r"\\([$`\\])")
UNRESOLVED = "unresolved-variable"
SUBSTITUTION = "command-substitution"


@dataclass(frozen=True, slots=True)
class _Var:
    """A script variable: its value, and the pieces in it d2k could not resolve (code, text as written)."""

    value: str
    unresolved: tuple[tuple[str, str], ...] = ()
    exported: bool = False  # in the environment of the commands the script runs (docker's CLI sees it)
    note: tuple[str, str] | None = None  # (code, message) said where it is used: how d2k chose the value
    line: int = 0  # where the script set it (0: not the script, e.g. --var)
    given: bool = False  # by --var: the user's answer, which the script's own assignments do not replace


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
    variable: str = ""  # a variable the input never sets: one diagnostic per name gathers its lines




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


class _Expander:
    """The word-reading half of the lexer: one word at self.pos -> its fields, with notes."""

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

    # ---- errors and notes

    def _fail(self, message: str, line: int) -> InputError:
        return InputError(message, self.file, line)

    def _note(self, code: str, severity: Severity, message: str, line: int, piece: str = "") -> None:
        self.notes.append(_Note(code, severity, message, line, piece))

    def _unresolved(self, fields: _Fields, piece: str, code: str, message: str, line: int) -> None:
        fields.literal(piece)
        self._note(code, Severity.APPROXIMATED, message, line, piece)

    def _not_set(self, fields: _Fields, piece: str, name: str, line: int) -> None:
        fields.literal(piece)
        self.notes.append(_Note(UNRESOLVED, Severity.APPROXIMATED, f"${name} is not set in the input: kept as written",
                                line, piece, name))

    def _cut_short(self, message: str, line: int) -> None:
        """A command whose continuation is broken: an error if it turns out to be a docker command."""

    def _inner_commands(self, body: str, line: int, piece: str) -> bool:
        """A `$(...)`/backquoted body that runs docker commands: read them (the command loop does); True if any."""
        return False

    def _continuation(self) -> None:
        """Skip a backslash-newline; one with nothing after it leaves the command cut short."""
        if self.pos + 2 >= self.n:
            raise self._fail("the command ends with a \\ continuation but nothing follows: "
                             "remove the backslash or finish the command", self.line)
        self.pos += 2
        self.line += 1

    def _word(self, split: bool, word_start: bool = False, fragment: bool = False) -> list[str]:
        """Read one word at self.pos; a fragment (an expansion's default) runs to the end of src."""
        src, n = self.src, self.n
        if not fragment:  # fast path: most words are one plain run
            run = _PLAIN.match(src, self.pos)
            if run and (run.end() == n or src[run.end()] in _WORD_END) and not run.group().startswith("~"):
                self.pos = run.end()
                return [intern(run.group())]  # words recur line after line (-d, nginx:1.25): the model keeps one
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
                self._backtick(fields, split)
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
                    if src[rest + 1:].lstrip(" \t").startswith("-"):  # the options meant to follow are lost
                        self._cut_short(f"a \\ followed by a space ends line {self.line}: the shell does not "
                                        f"join line {self.line + 1} (its options) to the command; remove the space "
                                        "after the \\", self.line)
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

    def _backtick(self, fields: _Fields, split: bool = False) -> None:
        body = _BACKTICK_BODY.match(self.src, self.pos + 1)
        if body is None:
            raise self._fail("unbalanced backtick: close the command substitution with `", self.line)
        piece = self.src[self.pos:body.end()]
        line = self.line
        self.pos = body.end()
        self.line += piece.count("\n")
        if piece[1:-1].strip().startswith("#"):
            return  # `#optional`: a substitution whose body is a comment expands to nothing
        # inside backquotes a backslash escapes only $ ` and itself
        self._substitution(fields, piece, _BACKQUOTE_ESCAPE.sub(r"\1", piece[1:-1]), split, line)

    def _substitution(self, fields: _Fields, piece: str, body: str, split: bool, line: int) -> None:
        """`$(...)` or a backquoted command: `pwd` is the working folder; docker commands in it are read."""
        if _PWD_COMMAND.fullmatch(body) and self._lookup("PWD") is not None:
            self._substitute(fields, "PWD", piece, split, line)
            return
        if _MENTIONS_DOCKER.search(body) and self._inner_commands(body, line, piece):
            self._unresolved(fields, piece, SUBSTITUTION, f"{_short(piece)} prints what d2k cannot know (a "
                             "container ID, or its output): kept as written; its docker command is read", line)
            return
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
                self._substitution(fields, piece, piece[2:-1], split, line)
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
            self._not_set(fields, piece, name, line)
            return
        self.budget.left -= len(var.value)
        if self.budget.left < 0:
            raise self._fail(f"variables expand to more than {_MAX_EXPANDED:,} characters (${name} "
                             "keeps doubling?): d2k stops here", line)
        fields.expansion(var.value, split)
        if var.note is not None:
            self._note(var.note[0], Severity.APPROXIMATED, f"{_short(piece)} {var.note[1]}", line)
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
                self._not_set(fields, piece, name, line)
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
            self._not_set(fields, piece, name, line)

    def _fragment(self, text: str, quoted: bool) -> _Var:
        """Expand the word inside `${X:-word}` with the same variables; its notes join ours."""
        if self.depth >= _MAX_NESTING:
            raise self._fail("${...} defaults nested too deeply: simplify the expansion", self.line)
        sub = type(self)(text, self.line, self.file, self.env, self.overlay, self.depth + 1, self.budget)
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
