"""Markdown -> the shell text of its code: fenced shell blocks and inline code spans (see d2k.parsers.text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

from d2k.model import Origin
from d2k.parsers.shell import _ASSIGNMENT, _short
from d2k.parsers.wrappers import _SUDO_VALUE_OPTIONS, PROGRAMS
from d2k.patterns import lazy
from d2k.records import dataclass
from d2k.report import Diagnostic, Severity

_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
_SCRIPT_SUFFIXES = frozenset({".sh", ".bash", ".zsh", ".ksh"})
_LOOKS_MARKDOWN = lazy(r"^[ \t]*(?:```|~~~)|^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M)
_FENCE_OPEN = lazy(r"([ \t]*)(`{3,}|~{3,})(.*)")
_BACKTICKS = lazy(r"`+")
_MENTIONS_PROGRAM = lazy(r"(?<![\w.-])(?:docker|podman)(?![\w.-])")
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
