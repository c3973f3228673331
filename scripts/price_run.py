"""Price one draft's calls at another draft's machine rates.

The wall time of a local draft depends on the machine as much as on the pipeline's work, and
this project's machines differ by about two times. Each run.json lists its calls with input
tokens, output tokens and duration; a least-squares fit over one run's own calls gives that
machine's rates (`duration ≈ a·input + b·output + c`), and another run's calls priced at them
say what its work would have cost there. Fits over one run's ~30 calls are noisy (±10%).

    python scripts/price_run.py RATES_RUN.json RUN.json [RUN.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _calls(path: Path) -> list[tuple[float, float, float]]:
    run = json.loads(path.read_text(encoding="utf-8"))
    return [(float(c["input_tokens"]), float(c["output_tokens"]), float(c["duration_s"])) for c in run["calls"]]


def fit(calls: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(a, b, c) minimising Σ(a·in + b·out + c − duration)², by the normal equations."""
    rows = [(i, o, 1.0) for i, o, _ in calls]
    ata = [[sum(r[j] * r[k] for r in rows) for k in range(3)] for j in range(3)]
    atb = [sum(r[j] * d for r, (_, _, d) in zip(rows, calls)) for j in range(3)]
    return tuple(_solve(ata, atb))  # type: ignore[return-value]


def _solve(m: list[list[float]], v: list[float]) -> list[float]:
    n = len(v)
    a = [row[:] + [v[i]] for i, row in enumerate(m)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col])]
    return [a[i][n] / a[i][i] for i in range(n)]


def price(calls: list[tuple[float, float, float]], rates: tuple[float, float, float]) -> float:
    a, b, c = rates
    return sum(a * i + b * o + c for i, o, _ in calls)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    base = Path(argv[0])
    rates = fit(_calls(base))
    print(f"rates of {base}: {rates[0]:.4f} s/input token, {rates[1]:.4f} s/output token, {rates[2]:.2f} s/call")
    print("| run | calls | input + output tokens | measured (sum of calls) | at those rates |")
    print("|---|---|---|---|---|")
    for name in argv[1:]:
        calls = _calls(Path(name))
        measured = sum(d for _, _, d in calls)
        print(f"| {name} | {len(calls)} | {sum(i for i, _, _ in calls):,.0f} + {sum(o for _, o, _ in calls):,.0f} "
              f"| {measured / 60:.1f} min | {price(calls, rates) / 60:.1f} min |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
