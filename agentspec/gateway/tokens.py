"""Offline token counting.

tiktoken downloads its BPE files on first use, which fails with no network.
We ship o200k_base and cl100k_base (gzipped, taken from the bpe-openai wheel,
sha256-identical to tiktoken's own files) and build the Encoding from them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from functools import lru_cache
from importlib import resources
from unittest import mock

import tiktoken
from tiktoken_ext import openai_public

# tiktoken's own expected hashes of the decompressed files (tiktoken_ext.openai_public).
_EXPECTED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
_lock = threading.Lock()


def _load_ranks(name: str) -> dict[bytes, int]:
    raw = gzip.decompress(resources.files("agentspec.gateway.bpe").joinpath(f"{name}.tiktoken.gz").read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != _EXPECTED_SHA256[name]:
        raise RuntimeError(f"bundled BPE file for {name} is corrupt (sha256 {digest})")
    return {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)}


@lru_cache(maxsize=None)
def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    """Return a tiktoken Encoding built from the bundled BPE file, never the network."""
    if name not in _EXPECTED_SHA256:
        raise ValueError(f"no bundled BPE file for {name}; known: {sorted(_EXPECTED_SHA256)}")
    ranks = _load_ranks(name)
    # Reuse tiktoken's own constructor (pattern and special tokens) but feed it our ranks.
    with _lock, mock.patch.object(openai_public, "load_tiktoken_bpe", lambda *a, **k: ranks):
        params = openai_public.ENCODING_CONSTRUCTORS[name]()
    return tiktoken.Encoding(**params)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """cl100k for the GPT-3.5/4 generation, o200k for everything newer or unknown."""
    legacy = ("gpt-3.5", "gpt-4-", "gpt-4 ", "text-embedding-3", "text-embedding-ada")
    return encoding("cl100k_base" if model.startswith(legacy) or model == "gpt-4" else "o200k_base")


def count_tokens(text: str, model: str = "") -> int:
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict], model: str = "") -> int:
    """Approximate chat prompt size: content tokens plus OpenAI's per-message overhead."""
    enc = encoding_for_model(model)
    total = 3
    for message in messages:
        total += 3
        content = message.get("content") or ""
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        total += len(enc.encode(str(content), disallowed_special=()))
    return total
