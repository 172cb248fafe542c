"""Typed errors. InputError is the user's to fix: one line, `FILE:LINE: what and what to do`, exit 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: rendered as one line and exit code 2, never a traceback."""

    def __init__(self, message: str, file: str = "", line: int = 0) -> None:
        message = message.replace("\r", "\\r").replace("\n", "\\n")  # one line, even when it quotes a value
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class EngineError(Exception):
    """The Docker engine could not be reached or read: one line, exit code 2."""


class InternalError(Exception):
    """d2k produced something invalid: a bug in d2k, exit code 3."""


class HelpRequested(Exception):
    """`docker run --help` prints usage and creates nothing: the command is skipped, not converted."""
