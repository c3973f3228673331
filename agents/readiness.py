"""Readiness, computed. Whether the spec is ready for implementation is a fact of
the run (failed sections, failing checks, open critical issues), never the model's
opinion: a document must not say "ready" over a section that failed."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentspec.section import RenderContext
from agentspec.agents.spine import SPINE_ID


@dataclass
class Readiness:
    failed_sections: list[str] = field(default_factory=list)
    failing_checks: list[str] = field(default_factory=list)
    open_issues: list[str] = field(default_factory=list)  # critical issues the review raised
    open_concerns: list[str] = field(default_factory=list)  # uncovered P1 must-cover concerns (agents/knowledge)
    concerns: list = field(default_factory=list)  # every must-cover concern, covered or not (ConcernResult)
    open_review: list[str] = field(default_factory=list)  # critical review-pass findings left after the redraft
    open_questions: int = 0  # major review-pass findings left after the redraft: listed, not blocking

    @property
    def concerns_total(self) -> int:
        return len(self.concerns)

    @property
    def concerns_covered(self) -> int:
        return sum(c.covered for c in self.concerns)

    @property
    def ready(self) -> bool:
        return not (self.failed_sections or self.failing_checks or self.open_issues or self.open_concerns
                    or self.open_review)

    def blockers(self) -> list[str]:
        return ([f"section `{sid}` failed" for sid in self.failed_sections]
                + [f"check `{name}` fails" for name in self.failing_checks]
                + [f"open P1 concern: {concern}" for concern in self.open_concerns]
                + [f"open critical issue: {issue}" for issue in self.open_issues]
                + [f"open critical review finding in `{finding}`" for finding in self.open_review])

    def verdict(self) -> str:
        if self.ready and self.open_questions:
            # A major finding is an open question a reviewer answers, not a blocker; the verdict
            # must not read as "nothing left" over it (the ninth-pass Stripe deployment's sandbox).
            return (f"**Ready for implementation once the {self.open_questions} open question(s) above are answered** "
                    "(computed: every section drafted, every gate check passed, no critical finding left)")
        if self.ready:
            return "**Ready for implementation** (computed: every section drafted, every gate check passed, no finding left)"
        return "**Not ready for implementation** (computed from this run): " + "; ".join(self.blockers())


def readiness(ctx: RenderContext) -> Readiness:
    failed = [sid for sid, status in ctx.statuses.items() if status == "failed"]
    pending = [sid for sid, status in ctx.statuses.items() if status in ("queued", "stale", "pending_review")]
    if SPINE_ID in ctx.statuses and SPINE_ID not in ctx.sections and SPINE_ID not in failed:
        failed.append(SPINE_ID)
    checks = [c.get("name", "?") for c in ctx.checks if not c.get("passed", True) and not c.get("skipped")]
    review = ctx.analyses.get("multi_angle")
    issues = list(getattr(review, "critical_issues", []) or [])
    concerns = _concerns(ctx)
    return Readiness(failed_sections=sorted(set(failed + pending)), failing_checks=checks, open_issues=issues,
                     open_concerns=[f"{c.archetype}/{c.concern} ({c.owner}): {c.what}" for c in concerns
                                    if not c.covered and c.priority == "P1"],
                     concerns=concerns,
                     open_review=sorted({f["section"] for f in ctx.review if f.get("severity") == "critical"}),
                     open_questions=sum(f.get("severity") == "major" for f in ctx.review))


def _concerns(ctx: RenderContext) -> list:
    """Coverage of the design's must-cover concerns, computed from the spine and the
    validated sections (agents/knowledge/coverage.py); none without a spine."""
    from agentspec.agents.knowledge.briefing import declared_archetypes
    from agentspec.agents.knowledge.coverage import coverage
    from agentspec.agents.spine import DesignSpine

    spine = ctx.sections.get(SPINE_ID)
    if not isinstance(spine, DesignSpine):
        return []
    return coverage(spine, ctx.sections, declared_archetypes(ctx.description or "", ctx.archetypes))
