"""Judge: rubrics, verdict schema, cache, pairwise order agreement, calibration
maths. LLM calls go to the fake OpenAI server (TEST DOUBLE) with scripted verdicts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentspec.gateway.client import Gateway
from agentspec.gateway.endpoint import remote_endpoint
from agentspec.settings import load_settings
from tests.doubles import FakeOpenAIServer
from agentspec.agents.registry import registry
from agentspec.evals.judge import (
    JudgeCache,
    Judge,
    agreement,
    combine_pairwise,
    grounded,
    judge_model,
    load_calibration,
    load_rubrics,
    pack_units,
    spearman,
    verdict_model,
)


def _verdicts(score: int = 4, winner=None):
    """Responder: a valid verdict for whatever criteria the request's schema asks for."""
    def respond(req):
        if (req.section or "").startswith("judge:pairwise"):
            return {"feedback": "compared", "winner": winner(req) if callable(winner) else (winner or "tie")}
        return {cid: {"evidence": ["CREATE TABLE invoices"], "feedback": "concrete", "score": score}
                for cid in req.schema["properties"]}
    return respond


def _judge(server: FakeOpenAIServer, cache: JudgeCache | None = None) -> Judge:
    settings = load_settings(openai_base_url=server.base_url, openai_api_key="test", model="fake-model",
                             instructor_mode="json_object_schema")
    return Judge(Gateway(settings, remote_endpoint(settings)), "fake-model", cache=cache)


# ------------------------------------------------------------------ rubrics


def test_rubrics_cover_every_drafted_section_once():
    rubrics = load_rubrics()
    # "template" is applied to every section of a user's template (evals/harness.py _rubrics_for)
    assert set(rubrics) == {"architecture", "data", "security_ops", "code_examples", "analysis", "template"}
    assert rubrics["template"].sections == ()
    seen: dict[str, str] = {}
    for rubric in rubrics.values():
        assert len(rubric.criteria) >= 3
        for criterion in rubric.criteria:
            assert sorted(criterion.scores) == [1, 2, 3, 4, 5]
            assert all(text.strip() for text in criterion.scores.values())
        for sid in rubric.sections:
            assert sid not in seen, f"{sid} in {seen.get(sid)} and {rubric.family}"
            seen[sid] = rubric.family
    # The design spine has no headings of its own: it is judged where the spec shows it, the System Landscape.
    drafted = {s.id for s in registry() if s.needs_llm} - {"design_spine"} | {"system_landscape"}
    assert drafted == set(seen), drafted ^ set(seen)
    assert rubrics["analysis"].analyses == ("stakeholder", "scenarios", "multi-angle")


def test_a_rubric_missing_a_score_level_is_refused(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "family: x\nsections: []\ncriteria:\n  - id: a\n    question: q\n    scores: {1: a, 2: b, 3: c, 5: e}\n",
        encoding="utf-8")
    with pytest.raises(ValueError, match="must describe scores 1..5"):
        load_rubrics(tmp_path)


def test_verdict_schema_forces_every_criterion_and_an_enum_score():
    rubric = load_rubrics()["data"]
    model = verdict_model(rubric.family, tuple(c.id for c in rubric.criteria))
    schema = model.model_json_schema()
    assert set(schema["required"]) == {c.id for c in rubric.criteria}
    criterion = schema["$defs"]["CriterionVerdict"]
    assert list(criterion["properties"]) == ["evidence", "feedback", "score"]  # reasoning before the score
    assert criterion["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]
    # Over-long evidence is trimmed rather than re-asked.
    verdict = model.model_validate({c.id: {"evidence": ["q"] * 5, "feedback": "f", "score": 3} for c in rubric.criteria})
    assert len(getattr(verdict, rubric.criteria[0].id).evidence) == 3


def test_judge_model_env_overrides(monkeypatch):
    settings = load_settings(openai_api_key="k", model="gpt-4o-mini")
    assert judge_model(settings) == "gpt-4o-mini"
    monkeypatch.setenv("AGENTSPEC_JUDGE_MODEL", "gpt-4.1")
    assert judge_model(settings) == "gpt-4.1"


# ------------------------------------------------------------------ excerpts


def test_grounded_quotes_tolerate_markup_and_spacing():
    text = "The **webhook** handler stores `stripe_event_id`   uniquely."
    assert grounded(["webhook handler stores stripe_event_id uniquely", "invented claim", ""], text) == [True, False, False]


def test_pack_units_respects_the_budget_and_truncates_giants():
    small = ("a", "word " * 50)
    giant = ("g", "word " * 5000)
    units = pack_units([small, small, giant, small], budget=120)
    assert [u[0] for u in units] == [["a", "a"], ["g"], ["a"]]
    assert units[1][2] is True and "truncated" in units[1][1]
    assert not units[0][2]


# ------------------------------------------------------------------ calls, cache


def test_score_unit_parses_the_verdict_and_checks_quotes(tmp_path):
    rubric = load_rubrics()["data"]
    with FakeOpenAIServer(responder=_verdicts(score=4)) as server:
        unit = asyncio.run(_judge(server).score_unit(rubric, ["database_schema"], "CREATE TABLE invoices (id uuid);", "feature"))
        (call,) = server.calls
    assert unit.error is None and unit.mean == 4.0
    assert call.role == "judge" and call.section == "judge:data"
    assert all(c["grounded"] == 1.0 for c in unit.criteria.values())


def test_second_identical_judge_call_is_served_from_the_cache(tmp_path):
    rubric = load_rubrics()["data"]
    cache = JudgeCache(tmp_path / "judge.sqlite")
    with FakeOpenAIServer(responder=_verdicts(score=2)) as server:
        first = asyncio.run(_judge(server, cache).score_unit(rubric, ["x"], "CREATE TABLE invoices", "feature"))
        judge = _judge(server, cache)  # a new judge, as in the next eval run

        async def again():
            second = await judge.score_unit(rubric, ["x"], "CREATE TABLE invoices", "feature")
            assert len(server.calls) == 1  # no request for the cached verdict
            third = await judge.score_unit(rubric, ["x"], "CREATE TABLE payments", "feature")
            assert len(server.calls) == 2  # a different prompt is a different key
            return second, third

        second, third = asyncio.run(again())
    assert not first.cached and second.cached and not third.cached
    assert second.criteria == first.criteria
    assert judge.usage.cached == 1 and judge.usage.calls == 1


# ------------------------------------------------------------------ pairwise


@pytest.mark.parametrize(("first", "second", "outcome"), [
    ("A", "B", "win"), ("B", "A", "loss"),
    ("A", "A", "tie"), ("B", "B", "tie"),  # position bias: the orders disagree
    ("tie", "tie", "tie"), ("A", "tie", "tie"), (None, "B", "tie"),
])
def test_combine_pairwise_needs_both_orders_to_agree(first, second, outcome):
    assert combine_pairwise(first, second) == outcome


def _shown_first_is(marker: str):
    """A judge that prefers the spec containing `marker`, wherever it is shown."""
    def winner(req):
        text = req.last_user_text
        a = text.split("### Spec A")[1].split("### Spec B")[0]
        return "A" if marker in a else "B"
    return winner


def test_pairwise_win_and_loss_through_both_orders():
    rubric = load_rubrics()["architecture"]
    with FakeOpenAIServer(responder=_verdicts(winner=_shown_first_is("GOOD"))) as server:
        judge = _judge(server)

        async def both():  # one event loop: the client's connections belong to it
            return (await judge.compare(rubric, "GOOD spec", "weak spec", "feature"),
                    await judge.compare(rubric, "weak spec", "GOOD spec", "feature"))

        win, loss = asyncio.run(both())
        assert len(server.calls) == 4  # two orders each
    assert (win["outcome"], win["orders"], win["consistent"]) == ("win", ["A", "B"], True)
    assert (loss["outcome"], loss["orders"]) == ("loss", ["B", "A"])


def test_position_biased_judge_yields_a_tie():
    rubric = load_rubrics()["architecture"]
    with FakeOpenAIServer(responder=_verdicts(winner="A")) as server:
        result = asyncio.run(_judge(server).compare(rubric, "GOOD spec", "weak spec", "feature"))
    assert result["outcome"] == "tie" and not result["consistent"]


# ------------------------------------------------------------------ calibration


def test_spearman_and_agreement():
    assert spearman([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert spearman([1, 1, 1], [1, 2, 3]) is None  # no variance
    assert spearman([1, 2], [1, 2]) is None  # too few
    result = agreement([(4.6, 5), (2.4, 2), (3.5, 2), (1.0, 1)])
    assert result["n"] == 4 and result["exact"] == 0.75 and result["within_1"] == 0.75
    assert abs(result["bias"] - 0.375) < 0.01 and result["weak_passed"] == "0/3"  # (-0.4 + 0.4 + 1.5 + 0) / 4
    assert agreement([(4.4, 1), (4.0, 2), (3.0, 5)])["weak_passed"] == "2/2"
    assert agreement([])["exact"] is None


def test_calibration_set_is_marked_author_labelled():
    items = load_calibration()
    assert len(items) >= 6
    assert {i.family for i in items} <= set(load_rubrics())
    assert all("author" in i.labeller for i in items)
    assert {i.human_score for i in items} >= {1, 5}  # clearly bad and clearly good examples
    readme = (Path(__file__).resolve().parents[2] / "evals" / "calibration" / "README.md").read_text(encoding="utf-8")
    assert "author-labelled" in readme


def test_the_report_states_the_judges_leniency_plainly():
    from agentspec.evals.report import _calibration_html, _leniency

    cal = {"n": 3, **agreement([(4.4, 1), (4.0, 2), (4.5, 4)]), "labellers": ["author"], "items": []}
    sentence = _leniency(cal)
    assert sentence.startswith("Judge leniency: it scores 1.97 points above the human labels on average, and rated 2/2 "
                               "of the examples a person rated weak (2 or less) at 4 or more.")
    assert f"<strong>{sentence}</strong>" in _calibration_html(cal)
    assert _leniency({"n": 0, **agreement([])}) is None
