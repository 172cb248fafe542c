"""Diagnostics and the Report that collects them; the core never prints.

Every diagnostic carries a stable code, a severity and the Origin (file, line,
text as written) so the CLI can tell users, per container, what did not make it.
The exit code is derived from the report, never decided ad hoc.
"""

from __future__ import annotations

from enum import StrEnum
from sys import intern

from d2k.model import Fate, Origin
from d2k.records import dataclass, field


class Severity(StrEnum):
    INFO = "info"
    APPROXIMATED = "approximated"
    NOT_CARRIED = "not-carried"


# Codes of diagnostics that leave a placeholder in the output: the manifests apply, but the app would
# not work until the user fills it in. --strict ("deployable as is") fails on them as on anything not
# carried over. A new diagnostic of that sort adds its code here; nothing else changes.
PLACEHOLDERS: frozenset[str] = frozenset({
    "secret-empty",  # a credential given without a value: the Secret holds an empty string
    "unresolved-variable",  # `$HOME`, `$TAG`, `${arr[@]}` kept as written
    "command-substitution",  # `$(pwd)`, backquotes: not run, kept as written
    "service-renamed",  # a host name callers use is not a valid Service name: they must be changed
})


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str  # stable, kebab-case, e.g. "unresolved-variable"
    severity: Severity
    message: str  # never contains a credential value
    origin: Origin | None = None
    container: str | None = None  # the container it concerns, None for the whole input

    @property
    def blocking(self) -> bool:
        """What makes the output not deployable as is: not carried over, or a placeholder (see PLACEHOLDERS)."""
        return self.severity is Severity.NOT_CARRIED or self.code in PLACEHOLDERS

    def render(self) -> str:
        where = f"{self.origin.where()}: " if self.origin else ""
        return f"{where}{self.message}"


@dataclass(slots=True)
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        code: str,
        severity: Severity,
        message: str,
        origin: Origin | None = None,
        container: str | None = None,
    ) -> None:
        # the same note recurs container after container ("a Deployment restarts it..."): one string for all
        self.diagnostics.append(Diagnostic(code, severity, intern(message), origin, container))

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def has_not_carried(self) -> bool:
        return any(d.severity is Severity.NOT_CARRIED for d in self.diagnostics)


def fate_severity(fate: Fate) -> Severity | None:
    """The severity a flag's fate shows with in the report (None: nothing to say)."""
    return {Fate.APPROXIMATED: Severity.APPROXIMATED, Fate.NOT_CARRIED: Severity.NOT_CARRIED}.get(fate)
