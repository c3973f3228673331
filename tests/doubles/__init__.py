"""TEST DOUBLES for agentspec's tests and benchmarks. Never imported by the product.

Nothing in the runtime path imports this package; tests opt in explicitly.
Names are loaded lazily so ``python -m tests.doubles.fake_openai_server``
does not import the module twice.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "FakeOpenAIServer": "fake_openai_server",
    "CallRecord": "fake_openai_server",
    "Responder": "fake_openai_server",
    "FakeRequest": "fake_request",
    "Fault": "faults",
    "FaultKind": "faults",
    "FaultPlan": "faults",
    "Latency": "faults",
    "SchemaFaker": "schema_faker",
    "generate_from_schema": "schema_faker",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
