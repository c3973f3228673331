"""Estimated cost per call. Prices are USD per 1M tokens (input, output), from the
providers' public price lists; unknown models cost 0 and are flagged as unpriced."""

from __future__ import annotations

PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o4-mini": (1.10, 4.40),
}


# Prices the user gave (AGENTSPEC_PRICE_INPUT_PER_MTOK / _OUTPUT_PER_MTOK or the
# draft flags): they apply to every model of the run, known or not.
_given: tuple[float, float] | None = None


def set_given_prices(input_per_mtok: float | None, output_per_mtok: float | None) -> None:
    """Install (or clear, with None) the user's prices; one of the two alone counts the other as 0."""
    global _given
    if input_per_mtok is None and output_per_mtok is None:
        _given = None
    else:
        _given = (float(input_per_mtok or 0.0), float(output_per_mtok or 0.0))


def price_for(model: str, provider: str) -> tuple[float, float] | None:
    """The user's prices win; local models are free; versioned names
    (gpt-4o-2024-08-06) match their family; None: no price known."""
    if _given is not None:
        return _given
    if provider == "local":
        return (0.0, 0.0)
    for name in sorted(PRICES_PER_MTOK, key=len, reverse=True):
        if model == name or model.startswith(name + "-"):
            return PRICES_PER_MTOK[name]
    return None


def cost_usd(model: str, provider: str, input_tokens: int, output_tokens: int) -> float:
    price = price_for(model, provider)
    if price is None:
        return 0.0
    return round((input_tokens * price[0] + output_tokens * price[1]) / 1_000_000, 6)


# One step down in price within a family, for budget degradation of the analyses.
CHEAPER = {"gpt-4o": "gpt-4o-mini", "gpt-4.1": "gpt-4.1-mini", "gpt-4.1-mini": "gpt-4.1-nano",
           "gpt-5": "gpt-5-mini", "gpt-5-mini": "gpt-5-nano"}


def cheaper_model(model: str) -> str | None:
    return CHEAPER.get(model)
