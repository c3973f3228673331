"""Remember which response models instructor has already scanned for async validators.

instructor 1.17 calls `reject_async_validators(response_model)` 4-7 times per chat
call (patch, retry, response-model preparation, parsing), and each time walks the
model's whole class tree: every base's attributes and every field's annotation,
recursively. For our section models that walk was the single largest piece of
client-side overhead per call (~12% of a zero-latency draft, measured with py-spy;
docs/benchmarks.md). The answer depends only on the class, and classes do not gain
async validators after they are built, so a model that passed once passes again.
Failures are never cached: they raise every time, as before.
"""

from __future__ import annotations

import threading
from typing import Any

_passed: set[Any] = set()
_lock = threading.Lock()


def install() -> bool:
    """Wrap instructor's scan with the memo. Idempotent; returns False (and changes
    nothing) if this instructor version does not have the function where we expect it."""
    try:
        from instructor.v2.core import patch as patch_module
        from instructor.v2.validation import async_validators
    except ImportError:
        return False
    original = getattr(async_validators, "reject_async_validators", None)
    if original is None or getattr(original, "_agentspec_memo", False):
        return original is not None

    def reject_async_validators(response_model: Any) -> None:
        try:
            if response_model in _passed:
                return
        except TypeError:  # an unhashable typing construct: no memo, plain scan
            original(response_model)
            return
        original(response_model)
        with _lock:
            _passed.add(response_model)

    reject_async_validators._agentspec_memo = True  # type: ignore[attr-defined]
    # Most call sites import it inside the function (they see the module attribute);
    # patch.py binds it at import time, so its name is replaced as well.
    async_validators.reject_async_validators = reject_async_validators
    if getattr(patch_module, "reject_async_validators", None) is original:
        patch_module.reject_async_validators = reject_async_validators
    return True
