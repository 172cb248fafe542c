"""typer, building only the command a run looks up: the others cost nothing at start-up.

typer turns every registered command into a click command (inspect.signature, type hints, one
click parameter per option) before it parses the command line: ~6 ms per start for d2k's seven
commands, though a run invokes one. Here the commands are kept aside and the click group gets a
mapping that builds a command the first time it is looked up (click's lazy-group pattern). The
group's own behaviour is typer's: `d2k --help` and completion look every command up (so build
them all, as before), a mistyped command is suggested from the names alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, TypeVar

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

F = TypeVar("F", bound=Callable[..., Any])


class LazyTyper(typer.Typer):
    """A Typer whose commands become click commands only when the command line names them."""

    def __init__(self, **kwargs: Any) -> None:
        # the group class knows its app: typer makes the group without saying which app it is for
        group = type("LazyGroup", (_LazyGroup,), {"source": self})
        super().__init__(cls=group, **kwargs)
        # name -> how to make what typer registers for it, in registration order
        self.deferred: dict[str, Callable[[], CommandInfo]] = {}

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[F], F]:  # type: ignore[override]
        def defer(func: F) -> F:
            self.command_later(name or typer.main.get_command_name(func.__name__), lambda: func, **kwargs)
            return func

        return defer

    def command_later(self, name: str, make: Callable[[], Callable[..., Any]], **kwargs: Any) -> None:
        """Register the command `name`; its callback is `make()`, called when the command is first built."""

        def info() -> CommandInfo:
            super(LazyTyper, self).command(name, **kwargs)(make())
            return self.registered_commands.pop()  # typer would build it with the group: kept aside

        self.deferred[name] = info

    def build(self, name: str) -> Any:
        """The click command `name`, as typer builds it (KeyError: no such command)."""
        return typer.main.get_command_from_info(
            self.deferred[name](),
            pretty_exceptions_short=self.pretty_exceptions_short,
            rich_markup_mode=self.rich_markup_mode,
        )


class _LazyGroup(TyperGroup):
    source: LazyTyper

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands(self.source, self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # typer's lists commands.items(), which would build every one


class _Commands(MutableMapping[str, Any]):
    """The group's commands by name, in order: a deferred one is built at its first lookup."""

    def __init__(self, app: LazyTyper, built: MutableMapping[str, Any]) -> None:
        self._app = app
        self._entries: dict[str, Any] = {**dict.fromkeys(app.deferred, _PENDING), **built}

    def __getitem__(self, name: str) -> Any:
        command = self._entries[name]
        if command is _PENDING:
            command = self._entries[name] = self._app.build(name)
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


_PENDING = object()  # a command not built yet
