from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import footer as section

from ._general_helpers import assert_no_placeholders, context


def test_footer_dates() -> None:
    md = section.render(None, context(date="2025-03-14"))
    assert md == (
        "---\n\n**Template Version**: 2.0.0\n**Last Updated**: 2025-03-14\n**Integration Review Date**: 2025-06-12"
    )
    assert_no_placeholders(md)
    assert section.MODEL is None


def test_footer_without_date_uses_today() -> None:
    import datetime as dt

    md = section.render(None, context(date=""))
    today = dt.date.today()
    assert f"**Last Updated**: {today.isoformat()}" in md
    assert f"**Integration Review Date**: {(today + dt.timedelta(days=90)).isoformat()}" in md
