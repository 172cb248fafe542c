"""d2k.patterns.lazy: the same matches as re.compile, compiled at first use; every d2k pattern compiles."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import d2k
from d2k import patterns
from d2k.patterns import lazy


def span(found: re.Match[str] | None) -> tuple[int, int] | None:
    return found.span() if found else None


@pytest.mark.parametrize(("pattern", "flags"), [(r"(\w+)=(\d*)", 0), (r"^a.b$", re.S | re.M), (r"(?P<x>[a-c])", re.I)])
def test_lazy_answers_as_re_compile(pattern: str, flags: int) -> None:
    text = "k=1 A\nB a=22 aXb b=3\na\nb"
    for make in (lambda: lazy(pattern, flags), lambda: re.compile(pattern, flags)):
        assert make().search(text) is not None  # each first use compiles
    stand_in, compiled = lazy(pattern, flags), re.compile(pattern, flags)
    assert span(stand_in.match(text)) == span(compiled.match(text))
    assert [m.span() for m in stand_in.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert stand_in.findall(text) == compiled.findall(text)
    assert stand_in.sub("<\\g<0>>", text) == compiled.sub("<\\g<0>>", text)
    assert stand_in.subn("-", text) == compiled.subn("-", text)
    assert stand_in.split(text) == compiled.split(text)
    assert (stand_in.pattern, stand_in.flags, stand_in.groups, stand_in.groupindex) == (
        compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex)
    assert span(stand_in.fullmatch("a\nb")) == span(compiled.fullmatch("a\nb"))


def test_a_pattern_compiles_at_its_first_use_only() -> None:
    bad = lazy("(unclosed")  # no error yet: nothing compiled
    with pytest.raises(re.error):
        bad.match("x")
    with pytest.raises(AttributeError):
        lazy("a").no_such_method  # noqa: B018 - the lookup is the test


def test_every_pattern_of_d2k_compiles() -> None:
    """A lazy pattern's mistake would show at its first use only: each one is compiled here."""
    seen = 0
    for module in pkgutil.walk_packages(d2k.__path__, "d2k."):
        if module.name == "d2k.__main__":  # runs the CLI
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if isinstance(value, patterns._Compiled):
                assert isinstance(value.pattern, str)
                seen += 1
    assert seen >= 70
