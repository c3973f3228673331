"""The prompt cache counts what it holds. Installed into the embedded llama.cpp server
process only (agentspec/local/server.py boots it); nothing else imports it.

llama-cpp-python 0.3.36's LlamaRAMCache keeps a LlamaState per cached prompt and evicts
when the sum of their `llama_state_size` (the KV cells) passes `--cache_size`. Each state
also holds a copy of the model's score buffer, n_batch x n_vocab float32 (512 x 151,936 x 4
= 311 MB for Qwen2.5) plus the prompt's token ids, which that sum leaves out. A draft's
cache therefore grew to ~12 states of ~85 MB counted and ~400 MB held: the embedded server
of a draft measured 7.8 GB resident on 12-05, for a 1 GB cache and a 1 GB model. Counting
every array a state holds makes the 1 GB cap mean 1 GB.
"""

from __future__ import annotations

from typing import Any


def held_bytes(state: Any) -> int:
    """What one cached LlamaState keeps in memory: its KV bytes, its scores and its token ids."""
    return int(state.llama_state_size) + sum(int(getattr(getattr(state, name, None), "nbytes", 0))
                                              for name in ("scores", "input_ids"))


def install() -> None:
    from llama_cpp.llama_cache import LlamaRAMCache

    LlamaRAMCache.cache_size = property(lambda self: sum(held_bytes(s) for s in self.cache_state.values()))  # type: ignore[method-assign]
