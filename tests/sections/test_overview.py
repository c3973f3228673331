"""## Overview: the brief's stack, the design's external systems and the libraries the examples use."""

from __future__ import annotations

from agentspec.agents.brief import FeatureBrief
from agentspec.agents.packs.integration_requirements.sections import overview
from agentspec.agents.spine import DesignSpine
from tests.spine.conftest import SPINE

from ._general_helpers import brief, context


def test_external_systems_come_from_the_design_once_it_has_them() -> None:
    b = brief().model_copy(update={"external_systems": ["Stripe", "Postgres"]})
    without = overview.render(None, context(brief=b))
    assert "**External systems**: Stripe, Postgres." in without  # no spine yet: intake's list
    spine = DesignSpine.model_validate(SPINE)
    md = overview.render(None, context(brief=b, sections={"design_spine": spine}))
    assert "**External systems**: Provider." in md  # the team's own Postgres is a component of the design, not a third party


def test_the_libraries_are_the_languages_own_with_the_stacks_database_drivers() -> None:
    ts = FeatureBrief.model_construct(name="X", code_language="typescript", stack=["Node.js", "PostgreSQL", "React"])
    assert ts.libraries == [("axios", "HTTP client"), ("pg", "PostgreSQL driver"), ("typeorm", "ORM entities"),
                            ("vitest", "test runner"), ("msw", "HTTP mocks")]
    py = FeatureBrief.model_construct(name="X", code_language="python", stack=["FastAPI", "MySQL"])
    assert [p for p, _ in py.libraries] == ["httpx", "PyMySQL", "pytest", "respx"]
    assert FeatureBrief.model_construct(name="X", code_language="go", stack=["Go"]).libraries == []
    md = overview.render(None, context(brief=ts.model_copy(update={"external_systems": [], "complexity": "Low"})))
    assert "**Libraries**: axios (HTTP client), pg (PostgreSQL driver), typeorm (ORM entities)" in md
    assert md.rstrip().endswith("msw (HTTP mocks); the code in this spec uses these and no others.")


def test_the_driver_and_client_come_with_how_their_documentation_says_to_use_them() -> None:
    ts = FeatureBrief.model_construct(name="X", code_language="typescript", stack=["Node.js", "Redis", "PostgreSQL"])
    assert ts.database_driver[0] == "pg" and "client.release()" in ts.database_driver[1]  # Redis is a cache, not the database
    assert ts.http_client[0] == "axios" and "axios.create" in ts.http_client[1]
    py = FeatureBrief.model_construct(name="X", code_language="python", stack=["FastAPI", "MongoDB"])
    assert py.database_driver == ("pymongo", "") and py.http_client[0] == "httpx"
    assert FeatureBrief.model_construct(name="X", code_language="go", stack=["Go"]).database_driver is None
