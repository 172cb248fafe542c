"""Command wrappers (`sudo -E`, `env -i A=1`, `exec`, `nohup`): where the real program starts, and
what the wrappers do to the environment it sees. Used by the lexer (d2k.parsers.text) and Markdown."""

from __future__ import annotations

from pathlib import PurePath

from d2k.parsers.shell import _ASSIGNMENT

PROGRAMS = frozenset({"docker", "podman"})
# sudo options that take a value as the next word
_SUDO_VALUE_OPTIONS = frozenset("ugpCrtUTDRh")
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


def _unwrap(words: list[str]) -> tuple[int, list[tuple[str, str]]]:
    """Where the program starts once wrappers (`sudo -E`, `env A=1`, `exec`) are skipped, and what the
    wrappers do to its environment, in order: ("clear", ""), ("unset", NAME) or (NAME, value).

    sudo resets the environment unless -E/--preserve-env; `env -i` empties it; `env -u X` drops X.
    """
    index = 0
    changes: list[tuple[str, str]] = []
    while index < len(words):
        name = _basename(words[index])
        if name == "sudo":
            end = _skip_options(words, index + 1, _SUDO_VALUE_OPTIONS, _SUDO_LONG_VALUE)
            options = words[index + 1:end]
            if not any(o.startswith("--preserve-env") or (o[:2] != "--" and o[:1] == "-" and "E" in o.split("=")[0])
                       for o in options):
                changes.append(("clear", ""))
            index = end
        elif name == "env":
            end = _skip_options(words, index + 1, _ENV_VALUE_OPTIONS, _ENV_LONG_VALUE)
            options = words[index + 1:end]
            for k, option in enumerate(options):
                if option in ("-i", "--ignore-environment", "-"):
                    changes.append(("clear", ""))
                elif option in ("-u", "--unset") and k + 1 < len(options):
                    changes.append(("unset", options[k + 1]))
                elif option.startswith("--unset="):
                    changes.append(("unset", option.partition("=")[2]))
            index = end
        elif name in _PLAIN_WRAPPERS:
            index = _skip_options(words, index + 1, frozenset("a"), frozenset())
        else:
            return index, changes
        while index < len(words) and _ASSIGNMENT.match(words[index]):
            key, _, value = words[index].partition("=")
            changes.append((key, value))
            index += 1
    return index, changes


def _program_name(words: list[str]) -> str:
    """The program a command runs, wrappers skipped (`sudo bash` -> bash); "" for none."""
    index, _ = _unwrap(words)
    return _basename(words[index]) if index < len(words) else ""


def _program_index(words: list[str]) -> int | None:
    """Where docker/podman starts once wrappers are skipped; None: not docker."""
    index, _ = _unwrap(words)
    return index if index < len(words) and _basename(words[index]) in PROGRAMS else None


def _basename(word: str) -> str:
    """The last step of a program path (`/usr/bin/docker` -> docker), as PurePath.name reads it; most words
    have no slash and are their own name (PurePath costs ~3 us a word, three times a line)."""
    return PurePath(word).name if "/" in word or word == "." else word
