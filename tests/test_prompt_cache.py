"""The embedded server's prompt cache evicts by what its states hold (agentspec/local/prompt_cache.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agentspec.local.prompt_cache import held_bytes


class _Buffer:
    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes


def test_a_cached_state_is_counted_with_its_scores_and_token_ids() -> None:
    state = SimpleNamespace(llama_state_size=85 << 20, scores=_Buffer(311 << 20), input_ids=_Buffer(4000))
    assert held_bytes(state) == (85 << 20) + (311 << 20) + 4000
    assert held_bytes(SimpleNamespace(llama_state_size=10, scores=None, input_ids=_Buffer(8))) == 18


def test_the_installed_cache_evicts_to_its_cap_counting_whole_states() -> None:
    """Where the `local` extra is installed (the embedded server's own environment)."""
    pytest.importorskip("llama_cpp")
    from llama_cpp.llama_cache import LlamaRAMCache

    from agentspec.local.prompt_cache import install

    original = LlamaRAMCache.cache_size
    try:
        install()
        cache = LlamaRAMCache(capacity_bytes=1 << 30)
        for i in range(5):
            cache[(i, i + 1)] = SimpleNamespace(llama_state_size=85 << 20, scores=_Buffer(300 << 20), input_ids=_Buffer(0))
        # Stock accounting counts 85 MB a state and keeps all five (1.9 GB held); counted whole, two fit.
        assert list(cache.cache_state) == [(3, 4), (4, 5)] and cache.cache_size <= 1 << 30
    finally:
        LlamaRAMCache.cache_size = original
