"""Grammar-constrained sampling that checks the grammar against one token, not the
whole vocabulary, on the common path. Installed into the embedded llama.cpp server
process only (agentspec/local/server.py boots it); nothing else imports it.

llama-cpp-python 0.3.36 puts the grammar sampler at the front of its chain, so every
generated token runs the JSON-schema grammar over all 151,936 candidates of the Qwen
vocabulary before top-k. On this 2-core machine that is ~24 ms a token next to
~53 ms of model evaluation: a quarter of a local draft's wall time, measured from the
server's own counters (total time minus prompt and token evaluation).

llama.cpp's own sampler (common/sampling.cpp, `common_sampler_sample` with
`grammar_first = false`, what `llama-server` runs) does it the other way round:
sample from the unconstrained chain, check that one token against the grammar, and
only when the grammar rejects it, apply the grammar to every candidate and sample
again. This module is that algorithm on top of llama-cpp-python's sampler objects.
The output still always satisfies the grammar: a token is accepted only after the
grammar has passed it.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np
from llama_cpp import llama_cpp
from llama_cpp._internals import LlamaSampler
from llama_cpp.llama import Llama


class CheckFirstGrammarSampler:
    """Stands in for the LlamaSampler chain that `Llama._init_sampler` builds when a
    grammar is given; `Llama.sample` only calls `.sample(ctx, idx)` on it."""

    def __init__(self, llama: Llama, grammar: Any, *, top_k: int, top_p: float, min_p: float, typical_p: float,
                 temp: float, repeat_penalty: float, frequency_penalty: float, presence_penalty: float) -> None:
        self._n_vocab = llama._n_vocab
        self._penalties = LlamaSampler()
        self._penalties.add_penalties(
            n_vocab=self._n_vocab, penalty_last_n=llama.last_n_tokens_size, penalty_repeat=repeat_penalty,
            penalty_freq=frequency_penalty, penalty_present=presence_penalty,
        )
        self._grammar = LlamaSampler()
        self._grammar.add_grammar(llama._model, grammar)
        # The rest of llama-cpp-python's chain for temp > 0 without mirostat, in its order.
        self._rest = LlamaSampler()
        self._rest.add_top_k(top_k)
        self._rest.add_typical(typical_p, 1)
        self._rest.add_top_p(top_p, 1)
        self._rest.add_min_p(min_p, 1)
        self._rest.add_temp(temp)
        self._rest.add_dist(llama._seed)
        # One candidate buffer for the whole generation, refilled per token: the
        # samplers sort it in place, so ids are rewritten along with the logits.
        self._buffer = (llama_cpp.llama_token_data * self._n_vocab)()
        self._view = np.ctypeslib.as_array(self._buffer)
        self._ids = np.arange(self._n_vocab, dtype=np.int32)
        self._one = (llama_cpp.llama_token_data * 1)()
        self.fallbacks = 0
        self.tokens = 0

    def sample(self, ctx: Any, idx: int = -1) -> int:
        self.tokens += 1
        token = self._pick(ctx, idx, constrained=False)
        if not self._grammar_allows(token):
            self.fallbacks += 1
            token = self._pick(ctx, idx, constrained=True)
        llama_cpp.llama_sampler_accept(self._penalties.sampler, token)
        llama_cpp.llama_sampler_accept(self._grammar.sampler, token)
        return token

    def _pick(self, ctx: Any, idx: int, *, constrained: bool) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        self._view["id"] = self._ids
        self._view["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        self._view["p"] = 0.0
        candidates = llama_cpp.llama_token_data_array(
            data=ctypes.cast(self._buffer, llama_cpp.llama_token_data_p), size=self._n_vocab, selected=-1, sorted=False,
        )
        pointer = ctypes.byref(candidates)
        llama_cpp.llama_sampler_apply(self._penalties.sampler, pointer)
        if constrained:
            llama_cpp.llama_sampler_apply(self._grammar.sampler, pointer)
        llama_cpp.llama_sampler_apply(self._rest.sampler, pointer)
        return int(candidates.data[candidates.selected].id)

    def _grammar_allows(self, token: int) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 0.0, 0.0
        single = llama_cpp.llama_token_data_array(
            data=ctypes.cast(self._one, llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False,
        )
        llama_cpp.llama_sampler_apply(self._grammar.sampler, ctypes.byref(single))
        return not math.isinf(self._one[0].logit)


def install() -> None:
    """Route grammar-constrained generations through CheckFirstGrammarSampler. Any
    other configuration (no grammar, greedy, mirostat, logits processors) keeps
    llama-cpp-python's own chain."""
    original = Llama._init_sampler

    def init_sampler(self: Llama, *args: Any, **kwargs: Any) -> Any:
        grammar = kwargs.get("grammar")
        plain = (
            grammar is None or args or kwargs.get("logits_processor") is not None
            or kwargs.get("mirostat_mode", 0) != 0 or kwargs.get("temp", 0.8) <= 0.0
        )
        if plain:
            return original(self, *args, **kwargs)
        return CheckFirstGrammarSampler(
            self, grammar, top_k=kwargs.get("top_k", 40), top_p=kwargs.get("top_p", 0.95),
            min_p=kwargs.get("min_p", 0.05), typical_p=kwargs.get("typical_p", 1.0), temp=kwargs.get("temp", 0.8),
            repeat_penalty=kwargs.get("repeat_penalty", 1.0), frequency_penalty=kwargs.get("frequency_penalty", 0.0),
            presence_penalty=kwargs.get("presence_penalty", 0.0),
        )

    Llama._init_sampler = init_sampler  # type: ignore[method-assign]
