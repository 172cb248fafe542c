"""Regular expressions compiled at their first use, not at import.

d2k's modules hold ~75 patterns; a run of from-commands uses about a third of them, and compiling
the rest at every start cost ~3 ms. `lazy(pattern, flags)` stands for `re.compile(pattern, flags)`:
the first attribute asked for (`.match`, `.sub`, ...) compiles the pattern, copies its bound methods
onto the object and drops the hook, so later calls cost what a compiled pattern's do (measured
alike in a loop of 200,000 matches). Matching is `re`'s own.
"""

from __future__ import annotations

import re
from typing import Any, cast

# what a compiled pattern offers; the first use copies these from it onto the stand-in
_ATTRIBUTES = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "scanner",
               "pattern", "flags", "groups", "groupindex")


class _Compiled:
    """A compiled pattern's bound methods and attributes, held as plain attributes (fast to look up)."""

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.flags!r})"  # type: ignore[attr-defined]


class _Lazy(_Compiled):
    def __init__(self, pattern: str, flags: int) -> None:
        self.__dict__["_source"] = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # asked only for what the instance does not hold yet
        if name not in _ATTRIBUTES:
            raise AttributeError(name)
        compiled = re.compile(*self.__dict__.pop("_source"))
        self.__dict__.update((attribute, getattr(compiled, attribute)) for attribute in _ATTRIBUTES)
        object.__setattr__(self, "__class__", _Compiled)  # without __getattr__, later lookups are plain ones
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r}, {self._source[1]!r})"


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done when the pattern is first used."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))
