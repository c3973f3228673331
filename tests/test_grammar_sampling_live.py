"""Live: the check-first grammar sampler (agentspec/local/grammar_sampling.py) on the
real model. Every answer must satisfy the grammar although most tokens are sampled
without it, including at a temperature high enough to force the fallback often.

Slow (model load + generation on CPU): run with
    .venv/bin/python -m pytest tests/test_grammar_sampling_live.py -m slow -o addopts=""
"""

from __future__ import annotations

import json
import re

import pytest

from tests.live_local import REQUIRES_LOCAL_MODEL

pytestmark = REQUIRES_LOCAL_MODEL

SCHEMA = {
    "type": "object",
    "properties": {
        "service": {"type": "string", "maxLength": 40},
        "port": {"type": "integer"},
        "protocol": {"type": "string", "enum": ["https", "grpc", "amqp"]},
        "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
    },
    "required": ["service", "port", "protocol", "tables"],
}


@pytest.fixture(scope="module")
def llm():
    from llama_cpp import Llama

    from agentspec.local import ensure_model
    from agentspec.local.grammar_sampling import install

    original = Llama._init_sampler
    install()
    try:
        yield Llama(str(ensure_model()), n_ctx=2048, n_threads=2, verbose=False, seed=7)
    finally:
        Llama._init_sampler = original  # type: ignore[method-assign]


@pytest.mark.parametrize("temperature", [0.2, 1.5])
def test_every_answer_satisfies_the_schema_grammar(llm, temperature) -> None:
    from agentspec.local.grammar_sampling import CheckFirstGrammarSampler

    for prompt in ("Describe the billing webhook service as JSON.", "Write anything at all."):
        resp = llm.create_chat_completion(
            messages=[{"role": "user", "content": prompt}],
            response_format={"type": "json_object", "schema": SCHEMA},
            temperature=temperature, max_tokens=160,
        )
        data = json.loads(resp["choices"][0]["message"]["content"])
        assert list(data) == ["service", "port", "protocol", "tables"]
        assert isinstance(data["port"], int) and data["protocol"] in {"https", "grpc", "amqp"}
        assert 1 <= len(data["tables"]) <= 3 and all(isinstance(t, str) for t in data["tables"])
        assert isinstance(llm._sampler, CheckFirstGrammarSampler)


def test_the_fallback_runs_when_the_model_wants_a_token_the_grammar_forbids(llm) -> None:
    """The model would answer `Paris`; the grammar allows only lowercase letters in
    braces, so most tokens go through the full-vocabulary path, and the result
    still matches."""
    from llama_cpp import LlamaGrammar

    grammar = LlamaGrammar.from_string('root ::= "{" [a-z]{1,12} "}"', verbose=False)
    out = llm.create_completion("The capital of France is", grammar=grammar, temperature=0.2, max_tokens=20)
    assert re.fullmatch(r"\{[a-z]{1,12}\}", out["choices"][0]["text"])
    assert llm._sampler.fallbacks >= 1
