"""Rule 1, names outside the spine: each H2 section may use only the tables,
endpoints and infrastructure the design spine decides. It stands alone because
it reads whole H2 sections against the draft gate's test
(agents.spine_gate.outside_spine) rather than sentence by sentence."""

from __future__ import annotations

from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import ECHO_H2, LANDSCAPE_H3, Context, Outcome

# --------------------------------------------------------------------- 1. names outside the spine


def names_outside_spine(ctx: Context) -> Outcome:
    """Each H2 section may use only the tables, endpoints and infrastructure the
    spine decides (the draft gate's own test, agents.spine_gate): a name outside
    it means a section re-decided the design, so the sections disagree on what
    is being built. Context/Overview (the description) and the System Landscape
    (the spine rendered) are not read."""
    from agentspec.agents.spine_gate import outside_spine

    out = Outcome()
    spec = ctx.spec
    landscape = spec.find_heading(LANDSCAPE_H3, level=3)
    blank = set(range(landscape.line, spec.section_range(landscape)[1])) if landscape else set()
    headings = {h.line for h in spec.headings}
    for heading, _text in spec.h2_sections():
        if heading.key in ECHO_H2:
            continue
        start, end = spec.section_range(heading)
        numbers = [n for n in range(start, end) if n not in blank]
        # template headings name what the template covers ("### GraphQL Integration"), not the design
        chunk = "\n".join("" if n in headings else spec.lines[n - 1] for n in numbers)
        out.checked += 1
        for name in outside_spine(chunk, ctx.spine):
            line = next((n for n in numbers if name.line.strip() and name.line.strip() in spec.lines[n - 1]), None)
            out.findings.append(Finding(heading.text, f"outside the spine: {name.message(ctx.spine)}", line))
    return out
