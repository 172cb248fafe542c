"""Kubernetes resource quantities (`500m`, `1.5`, `512Mi`, `1e3`), read exactly, for comparisons."""

from __future__ import annotations

from fractions import Fraction

from d2k.patterns import lazy

_QUANTITY = lazy(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$")
_SUFFIX = {
    "": Fraction(1), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18), "Ki": Fraction(1 << 10), "Mi": Fraction(1 << 20),
    "Gi": Fraction(1 << 30), "Ti": Fraction(1 << 40), "Pi": Fraction(1 << 50), "Ei": Fraction(1 << 60),
}  # fmt: skip


def parse_quantity(text: str) -> Fraction:
    """The exact value of a quantity; ValueError for what the API server would refuse."""
    m = _QUANTITY.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 1.5, 512Mi)")
    number, suffix, exponent = m.groups()
    value = Fraction(number)
    if exponent is not None:
        return value * Fraction(10) ** int(exponent)
    return value * _SUFFIX[suffix or ""]
