"""Fault and latency configuration for the fake OpenAI server (TEST DOUBLE ONLY).

Faults are chosen per call, deterministically: a script (by global call index
or by the n-th call of a section) wins over random rates, and the random draw
for a call is seeded from ``(seed, section, n-th call of that section)``.
Keying on the section rather than on global arrival order keeps the choice
stable when sections run concurrently and interleave differently each run.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["FaultKind", "Fault", "FaultPlan", "Latency", "FaultSpec"]


class FaultKind(str, Enum):
    RATE_LIMIT = "rate_limit"      # HTTP 429 with retry-after
    SERVER_ERROR = "server_error"  # HTTP 500 (or Fault.status)
    TIMEOUT = "timeout"            # hold the connection, then close without a response
    TRUNCATED = "truncated"        # HTTP 200, JSON cut mid-way, finish_reason "stop"
    LENGTH = "length"              # HTTP 200, JSON cut mid-way, finish_reason "length"
    INVALID = "invalid"            # HTTP 200, well-formed JSON that breaks the schema
    SLOW = "slow"                  # HTTP 200, valid, but delay_s extra latency
    HTML = "html"                  # HTTP 200 text/html: a web server, not an OpenAI endpoint
    NOT_JSON = "not_json"          # HTTP 200 application/json whose body is not JSON
    ECHO_AUTH = "echo_auth"        # HTTP status (default 500) whose error message echoes the Authorization header


@dataclass(frozen=True)
class Fault:
    """One injected fault; unset parameters fall back to the FaultPlan defaults."""

    kind: FaultKind
    retry_after_s: float | None = None  # RATE_LIMIT: value of the retry-after header
    status: int | None = None           # SERVER_ERROR: HTTP status (default 500)
    hold_s: float | None = None         # TIMEOUT: how long to hold the connection
    delay_s: float | None = None        # SLOW: extra seconds before answering

    @classmethod
    def of(cls, spec: FaultSpec) -> Fault | None:
        if spec is None or isinstance(spec, Fault):
            return spec
        return cls(FaultKind(spec))


# What scripts accept: a Fault, a kind ("rate_limit" or FaultKind.RATE_LIMIT), or None = no fault.
FaultSpec = Fault | FaultKind | str | None

# Order in which rates are laid out on [0, 1): fixed so a seed means the same thing everywhere.
_RATE_ORDER = tuple(FaultKind)


@dataclass
class FaultPlan:
    """When to inject which fault.

    rates:       {kind: probability per call}; the sum must be <= 1.
    by_call:     {global chat-completion index (0-based): fault}.
    by_section:  {section id: [fault for its 1st call, 2nd call, ...]}; None entries
                 mean "no fault"; calls past the end of the list fall back to rates.
                 The section comes from the ``x-agentspec-section`` header
                 (calls without one use the key "").
    Precedence:  by_call, then by_section, then rates.
    """

    rates: Mapping[FaultKind | str, float] = field(default_factory=dict)
    by_call: Mapping[int, FaultSpec] = field(default_factory=dict)
    by_section: Mapping[str, Sequence[FaultSpec]] = field(default_factory=dict)
    seed: int = 0
    retry_after_s: float = 1.0
    server_error_status: int = 500
    timeout_hold_s: float = 30.0
    slow_delay_s: float = 2.0

    def __post_init__(self) -> None:
        self._rates = {FaultKind(k): float(v) for k, v in self.rates.items()}
        if any(v < 0 for v in self._rates.values()) or sum(self._rates.values()) > 1.0 + 1e-9:
            raise ValueError(f"fault rates must be >= 0 and sum to <= 1, got {self.rates!r}")
        for spec in [*self.by_call.values(), *(s for seq in self.by_section.values() for s in seq)]:
            Fault.of(spec)  # fail fast on typos like "ratelimit"

    def choose(self, call_index: int, section: str | None, section_index: int) -> Fault | None:
        """The fault for a call, or None. ``section_index`` is 0-based per section."""
        if call_index in self.by_call:
            return self._complete(Fault.of(self.by_call[call_index]))
        script = self.by_section.get(section or "")
        if script is not None and section_index < len(script):
            return self._complete(Fault.of(script[section_index]))
        if not self._rates:
            return None
        draw = random.Random(f"{self.seed}|{section or ''}|{section_index}").random()
        edge = 0.0
        for kind in _RATE_ORDER:
            edge += self._rates.get(kind, 0.0)
            if draw < edge:
                return self._complete(Fault(kind))
        return None

    def _complete(self, fault: Fault | None) -> Fault | None:
        if fault is None:
            return None
        return Fault(
            kind=fault.kind,
            retry_after_s=fault.retry_after_s if fault.retry_after_s is not None else self.retry_after_s,
            status=fault.status if fault.status is not None else self.server_error_status,
            hold_s=fault.hold_s if fault.hold_s is not None else self.timeout_hold_s,
            delay_s=fault.delay_s if fault.delay_s is not None else self.slow_delay_s,
        )


@dataclass(frozen=True)
class Latency:
    """Simulated generation time: ``ttft_s + completion_tokens / tokens_per_s``.

    Applied to HTTP 200 answers only (errors come back at once, as real
    gateways reject before generating). tokens_per_s <= 0 means "no per-token cost".
    """

    ttft_s: float = 0.0
    tokens_per_s: float = 0.0

    def seconds(self, completion_tokens: int) -> float:
        per_token = completion_tokens / self.tokens_per_s if self.tokens_per_s > 0 else 0.0
        return max(self.ttft_s, 0.0) + per_token
