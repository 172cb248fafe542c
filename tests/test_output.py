"""The YAML writer's plain-string shortcut says exactly what PyYAML (and the stricter readers) would."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from d2k.emitters import output
from d2k.emitters.output import is_plain

# the characters the shortcut accepts, plus the ones around its edges
_ALPHABET = "abnoyfltuNOYFTLU_/.-:019 #,'\"~=<+"
_TRICKY = [
    "yes", "No", "ON", "off", "null", "Null", "NULL", "y", "N", "true", "False", "nan", "inf",
    "a:", "a:b", "a::b", ":a", "a: b", "/", "/a/b:c", "_", "a-", "-a", ".a", "a.b", "a#b", "a #b",
    "redis:7", "svc-00001", "app.kubernetes.io/name", "0755", "1e3", "a,b", "a b", "",
]


def _pyyaml_plain(value: str) -> bool:
    """Does PyYAML write `value` unquoted, on one line, and read it back as the same string?"""
    text = yaml.dump(value, Dumper=output._Dumper, width=1 << 16, allow_unicode=True)
    text = text[:-5] if text.endswith("\n...\n") else text[:-1]
    return text == value and yaml.safe_load(text) == value


def test_tricky_strings_are_judged_as_pyyaml_judges_them() -> None:
    for value in _TRICKY:
        if is_plain(value):
            assert _pyyaml_plain(value), value


@settings(max_examples=3000, derandomize=True)
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=12))
def test_plain_shortcut_never_disagrees_with_pyyaml(value: str) -> None:
    if is_plain(value):
        assert _pyyaml_plain(value)
        assert not output._AMBIGUOUS.fullmatch(value)


def test_the_shortcut_takes_ordinary_names() -> None:
    for value in ("svc-00001", "redis:7", "app.kubernetes.io/part-of", "/var/lib/data", "IfNotPresent"):
        assert is_plain(value)
    for value in ("yes", "n", "1e3", "0755", "a: b", "a:", "8080", "-x"):
        assert not is_plain(value)


def test_documents_are_written_as_pyyaml_writes_them() -> None:
    doc = {"metadata": {"name": "svc-1", "labels": {"a": "yes", "b": "y", "c": "1e3", "d": "redis:7"}},
           "data": {"k": "a: b", "l": "/x:y", "m": "on"}, "n": [1, True, None, "null"]}
    assert output.to_yaml([doc]) == "---\n" + yaml.dump(
        doc, Dumper=output._Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 16
    )
