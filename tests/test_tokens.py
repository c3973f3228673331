"""Token counting works with no network, from the BPE files shipped in the package."""

from __future__ import annotations

from agentspec.gateway.pricing import cost_usd, price_for
from agentspec.gateway.tokens import count_message_tokens, count_tokens, encoding


def test_offline_encodings_match_known_counts():
    # Known tiktoken results: "hello world" is 2 tokens in both encodings.
    assert encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert encoding("cl100k_base").encode("hello world") == [15339, 1917]


def test_model_picks_encoding():
    from agentspec.gateway.tokens import encoding_for_model

    assert encoding_for_model("gpt-4").name == "cl100k_base"
    assert encoding_for_model("gpt-3.5-turbo").name == "cl100k_base"
    assert encoding_for_model("gpt-4o-mini").name == "o200k_base"
    assert encoding_for_model("qwen2.5-coder-1.5b-instruct").name == "o200k_base"
    assert count_tokens("tiktoken is great!", "gpt-4o") == 6


def test_message_overhead():
    assert count_message_tokens([{"role": "user", "content": "hi"}]) > count_tokens("hi")


def test_prices():
    assert price_for("gpt-4o-mini-2024-07-18", "openai") == (0.15, 0.60)
    assert price_for("anything", "local") == (0.0, 0.0)
    assert price_for("my-vllm-model", "openai") is None
    assert cost_usd("gpt-4o-mini", "openai", 1_000_000, 1_000_000) == 0.75


def test_tools_are_counted_as_openai_renders_them() -> None:
    """Function tools cost what OpenAI puts in the prompt (TypeScript types with
    descriptions as comments), not their JSON text; nested $refs are inlined."""
    from agentspec.gateway.tokens import count_tokens, count_tool_tokens, tool_definitions_text

    tools = [{"type": "function", "function": {
        "name": "Plan", "description": "A deployment plan.",
        "parameters": {
            "type": "object", "required": ["stages"],
            "properties": {
                "stages": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"$ref": "#/$defs/Stage"},
                           "description": "stages in order"},
                "region": {"anyOf": [{"type": "string", "enum": ["eu", "us"]}, {"type": "null"}]},
            },
            "$defs": {"Stage": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "maxLength": 40}, "steps": {"type": "array", "items": {"type": "string"}}}}},
        }}}]
    text = tool_definitions_text(tools)
    assert text == (
        "namespace functions {\n\n"
        "// A deployment plan.\n"
        "type Plan = (_: {\n"
        "// stages in order\n"
        "stages: {\n  name: string,\n  steps?: string[],\n}[],\n"
        'region?: "eu" | "us" | null,\n'
        "}) => any;\n\n"
        "} // namespace functions"
    )
    import json
    assert count_tool_tokens(tools) == count_tokens(text) < count_tokens(json.dumps(tools))
