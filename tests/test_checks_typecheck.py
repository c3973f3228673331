"""TypeScript examples are compiled with the real TypeScript compiler against the typings
agentspec/checks/node installs: each bad fixture fails with the compiler's message and the quoted
line; the good one passes, with a relative import and a name another block declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentspec.checks.typecheck import check_typecheck, compiler_available
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks" / "typecheck"
needs_tsc = pytest.mark.skipif(not compiler_available(), reason="npm ci --prefix agentspec/checks/node not run")

BAD = {
    "pool_release.md": "TS2339: Property 'release' does not exist on type 'Pool'.: \"pool.release();\"",
    "string_port.md": "TS2322: Type 'string' is not assignable to type 'number'.: \"port: process.env.POSTGRES_PORT,\"",
    # vitest is checked against minimal declarations (agentspec/checks/node/local_types), not taken as `any`
    "vitest_matcher.md": "TS2551: Property 'toHaveLenght' does not exist on type 'Assertion<{ id: string; }[]>'. Did you mean "
                         "'toHaveLength'?: \"expect(rows).toHaveLenght(1);\"",
}


@needs_tsc
@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_fixture_fails_with_the_compilers_message(name):
    score = check_typecheck(SpecDocument.load(FIXTURES / name))
    assert not score.passed
    assert [f.message for f in score.findings] == [BAD[name]]
    assert score.findings[0].heading == "Integration Examples"


@needs_tsc
def test_the_good_fixture_type_checks():
    score = check_typecheck(SpecDocument.load(FIXTURES / "good.md"))
    assert score.passed, score.details
    assert score.details[0].startswith("TypeScript 5.") and "2 block(s) compiled" in score.details[0]


@needs_tsc
def test_an_undeclared_package_is_named_not_passed_silently():
    spec = SpecDocument.from_markdown("## Examples\n\n```ts\nimport { Broker } from 'event-broker';\nnew Broker().go();\n```\n")
    score = check_typecheck(spec)
    assert score.passed
    assert "checked as `any` (no installed typing declares them): event-broker" in score.details


def test_without_the_compiler_the_check_fails_unless_the_gate_asks_to_skip(monkeypatch):
    import agentspec.checks.typecheck as typecheck

    monkeypatch.setattr(typecheck, "compiler_available", lambda: False)
    spec = SpecDocument.from_markdown("## Examples\n\n```ts\nconst a: number = 1;\n```\n")
    assert not check_typecheck(spec).passed
    assert check_typecheck(spec, {"parser_missing": "skip"}).skipped


PYTHON_BAD = """## Integration Examples

```python
from datetime import datetime

def received_at() -> int:
    return datetime.now()

def handler(event: dict) -> None:
    store(event)
```
"""


def test_python_examples_are_type_checked_with_mypy():
    pytest.importorskip("mypy")
    score = check_typecheck(SpecDocument.from_markdown(PYTHON_BAD))
    assert [f.message for f in score.findings] == [
        'mypy [return-value]: Incompatible return value type (got "datetime", expected "int"): "return datetime.now()"']
    assert "Python names no block defines, taken as the snippet's surroundings: store" in score.details
    assert check_typecheck(SpecDocument.from_markdown(PYTHON_BAD), {"python_types": False}).skipped
