"""Any markdown template compiles into sections whose models come from the placeholders,
typed by where they stand, and filling them leaves the template's headings in order and
no placeholder behind. Tested on templates the developers wrote, one not about
integrations, and on the built-in one."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from agentspec.packs.compile import TemplateError, compile_template, section_model
from agentspec.checks.placeholders import check_placeholders
from agentspec.spec_document import SpecDocument

TEMPLATES = Path(__file__).parents[2] / "evals" / "datasets" / "templates"
BUILT_IN = Path(__file__).parents[2] / "agents" / "packs" / "integration_requirements" / "template.md"


def _sample(model: type[BaseModel], n: int = 2) -> dict:
    """Data that satisfies the model: a value per field, two items per list."""
    out: dict = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) is typing.Literal:
            out[name] = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            out[name] = [(_sample(item) if isinstance(item, type) and issubclass(item, BaseModel) else f"{name} {k}")
                         for k in range(1, n + 1)]
        elif name.endswith("_code"):
            out[name] = ("SELECT 1;" if "sql" in name else "graph TD\n    A --> B" if "mermaid" in name
                         else "const ready = true;")
        else:
            out[name] = f"the {name.replace('_', ' ')}"
    return out


def _kinds(section) -> dict[str, str]:  # noqa: ANN001
    return {slot.name: slot.kind for slot in section.slots}


def test_placeholders_are_typed_by_where_they_stand():
    sections = {s.id: s for s in compile_template((TEMPLATES / "incident-postmortem.md").read_text(encoding="utf-8"))}
    assert list(sections) == ["summary", "timeline", "root_cause", "follow_up"]
    assert _kinds(sections["summary"]) == {"severity": "choice", "duration": "text", "customer_impact": "text"}
    assert _kinds(sections["timeline"]) == {"time_utc_rows": "table", "detection_source": "text"}
    assert sections["timeline"].slots[0].columns == ["time_utc", "event", "owner"]
    assert _kinds(sections["root_cause"]) == {"factor_list": "numbered", "mermaid_code": "code"}
    assert sections["root_cause"].slots[0].columns == ["factor", "factor_detail"]
    assert _kinds(sections["follow_up"]) == {"action_item_items": "checklist", "sql_code": "code"}
    severity = sections["summary"].model().model_fields["severity"].annotation
    assert typing.get_args(severity) == ("SEV1", "SEV2", "SEV3")


@pytest.mark.parametrize("path", [*sorted(TEMPLATES.glob("*.md")), BUILT_IN], ids=lambda p: p.stem)
def test_filled_sections_keep_every_heading_in_order_and_leave_no_placeholder(path):
    template = path.read_text(encoding="utf-8")
    sections = compile_template(template)
    filled = "\n\n".join(s.fill(s.model().model_validate(_sample(s.model()))) for s in sections)
    # headings without a placeholder come back as written and in order; numbered ones once per item
    static = [h for s in sections for h in s.headings if "[" not in h]
    headings = [f"{'#' * h.level} {h.text}" for h in SpecDocument.from_markdown(filled).headings if h.level >= 2]
    assert [h for h in headings if h in static] == static
    if path != BUILT_IN:  # the placeholder check reads the built-in template's own tokens
        leftover = [t for s in sections for slot in s.slots for t in slot.tokens if t in filled]
        assert leftover == [], leftover
    else:
        assert check_placeholders(SpecDocument.from_markdown(filled)).passed


def test_rows_and_numbered_lines_repeat_per_item():
    sections = {s.id: s for s in compile_template((TEMPLATES / "incident-postmortem.md").read_text(encoding="utf-8"))}
    timeline = sections["timeline"]
    text = timeline.fill({"time_utc_rows": [{"time_utc": "10:00", "event": "alert fired", "owner": "on-call"},
                                            {"time_utc": "10:05", "event": "rollback", "owner": "sre"}],
                          "detection_source": "the error-rate alert"})
    assert "| 10:00 | alert fired | on-call |\n| 10:05 | rollback | sre |" in text
    assert "[TIME_2]" not in text and "detected by the error-rate alert." in text
    root = sections["root_cause"].fill({"factor_list": [{"factor": "a", "factor_detail": "b"}] * 3,
                                        "mermaid_code": "graph TD\n    A --> B"})
    assert "1. a: b\n2. a: b\n3. a: b" in root and "[FACTOR_2]" not in root


def test_a_template_without_sections_is_refused():
    with pytest.raises(TemplateError, match="no H2"):
        compile_template("# Title\n\nJust text, [NAME].\n")


def test_a_table_cell_that_lists_its_options_is_a_choice():
    sections = compile_template((TEMPLATES / "decision-record.md").read_text(encoding="utf-8"))
    consequences = next(s for s in sections if s.id == "consequences")
    model = consequences.model()
    row = {"consequence": "Search index lags writes by up to 5 s", "kind": "Negative", "mitigation": "re-read after write"}
    assert model.model_validate({"consequence_rows": [row], "follow_up_item_items": ["size the cluster"]})
    with pytest.raises(ValueError):
        model.model_validate({"consequence_rows": [{**row, "kind": "Mixed"}], "follow_up_item_items": ["x"]})


def test_a_numbered_list_counts_on_and_code_wrapped_in_its_own_fence_is_not_fenced_twice():
    sections = compile_template((TEMPLATES / "incident-postmortem.md").read_text(encoding="utf-8"))
    root = next(s for s in sections if s.id == "root_cause")
    text = root.fill({"factor_list": [{"factor": "Expired certificate", "factor_detail": "no renewal alert"},
                                      {"factor": "Manual rotation", "factor_detail": "one person knew the steps"}],
                      "mermaid_code": "```mermaid\ngraph TD\n    A[Cert expired] --> B[Checkout down]\n```"})
    assert "1. Expired certificate: no renewal alert\n2. Manual rotation: one person knew the steps" in text
    assert text.count("```") == 2 and "```mermaid\ngraph TD\n    A[Cert expired] --> B[Checkout down]\n```" in text


def test_a_compiled_model_reads_the_raw_newlines_a_small_model_writes_in_a_string():
    # The embedded model's answer for the retention runbook's Verification: a code sample's
    # newlines written raw inside the JSON string (strict JSON refuses control characters).
    (section,) = [s for s in compile_template((TEMPLATES / "retention-runbook.md").read_text(encoding="utf-8"))
                  if s.id == "verification"]
    data = section_model(section).model_validate_json('{"how_to_verify_the_purge": "Run:\n```sql\nSELECT count(*) FROM t;\n```"}')
    assert data.how_to_verify_the_purge.startswith("Run:\n```sql")


def test_a_flowchart_in_a_template_has_its_labels_quoted_where_they_hold_syntax():
    (section,) = [s for s in compile_template((TEMPLATES / "retention-runbook.md").read_text(encoding="utf-8"))
                  if s.id == "purge_procedure"]
    # The embedded model's diagram: SQL inside a node label, which mermaid does not parse unquoted.
    model = section_model(section)
    answer = {**_sample(model), "mermaid_code": (
        "graph TD\n    A[Identify support tickets] --> B[SELECT ticket_id FROM support_tickets "
        "WHERE created_at < NOW() - INTERVAL '18 months']\n    B -->|purge (batch)| C{Legal hold?}\n"
        "    C -->|no| D[(attachments)]")}
    code = model.model_validate(answer).mermaid_code
    assert code.splitlines()[1].endswith('B["SELECT ticket_id FROM support_tickets WHERE created_at < NOW() - INTERVAL \'18 months\'"]')
    assert '-->|"purge (batch)"| C{"Legal hold?"}' not in code  # a label without syntax stays as written
    assert '-->|"purge (batch)"| C{Legal hold?}' in code
    assert "D[(attachments)]" in code  # a node shape is not a label to quote
    from agentspec.checks.mermaid import check_mermaid, parser_available
    if parser_available():
        assert check_mermaid(SpecDocument.from_markdown(f"## Flow\n```mermaid\n{code}\n```\n")).passed
