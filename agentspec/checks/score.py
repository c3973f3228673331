"""What every check returns.

A check is a pure function ``(spec: SpecDocument, run: dict | None) -> Score``.
Findings carry the H2 heading they sit under so the drafting pipeline can
redraft just that section with the failures as feedback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeAlias

from agentspec.spec_document import SpecDocument

# Findings that belong to no H2 section (e.g. the title, or a missing file).
DOCUMENT = "(document)"


@dataclass(frozen=True)
class Finding:
    heading: str | None  # H2 heading text; None means the whole document
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.heading or DOCUMENT}: {self.message}{where}"


@dataclass
class Score:
    name: str
    value: float  # 0..1, fraction of the items checked that were fine
    passed: bool
    details: list[str] = field(default_factory=list)
    # H2 heading of the first failure, for callers that redraft one section.
    section: str | None = None
    # Structured form of details; failures_by_heading() groups these.
    findings: list[Finding] = field(default_factory=list)
    # True when the check had nothing to look at or lacked an input
    # (e.g. no analysis file); such a score passes and says why in details.
    skipped: bool = False

    @classmethod
    def from_findings(
        cls,
        name: str,
        findings: Iterable[Finding],
        checked: int,
        notes: Iterable[str] = (),
        failed: int | None = None,
    ) -> Score:
        """Score = share of `checked` items without a finding.

        `notes` are informational details (e.g. "execute: skipped") that do
        not count as failures. `failed` is the number of failing items when
        one item can have several findings (default: one finding per item).
        """
        findings = list(findings)
        if failed is None:
            failed = min(len(findings), checked) if checked else len(findings)
        value = 1.0 if checked == 0 and not findings else max(0.0, 1 - failed / max(checked, 1))
        return cls(
            name=name,
            value=round(value, 4),
            passed=not findings,
            details=[str(f) for f in findings] + list(notes),
            section=next((f.heading for f in findings if f.heading), None),
            findings=findings,
        )

    @classmethod
    def skip(cls, name: str, reason: str) -> Score:
        return cls(name=name, value=1.0, passed=True, details=[f"skipped: {reason}"], skipped=True)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Check: TypeAlias = Callable[[SpecDocument, "dict[str, Any] | None"], Score]
