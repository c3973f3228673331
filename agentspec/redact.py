"""Keys never reach a terminal, a log or a checkpoint: every error text passes here."""

from __future__ import annotations

import re

_SHAPES = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}|\bsk-[A-Za-z0-9_-]{8,}", re.IGNORECASE)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the given secrets and anything shaped like an API key masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SHAPES.sub(lambda m: (m.group(1) or "") + "***", text)
