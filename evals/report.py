"""Eval report files: report.json (everything), report.md (for a PR comment or a
terminal) and report.html (self-contained: inline CSS and SVG charts drawn
here, no scripts, no external URLs, so it opens from a CI artifact offline).

Links to each case's spec are relative (cases/<id>/<template>.md)
so the report directory can be moved or zipped as a whole.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentspec.checks.semantic import defect_count

PALETTE = {"current": "#2f6fdf", "baseline": "#b7c3d6", "input": "#5b8def", "output": "#f2a33a",
           "pass": "#1f9d55", "fail": "#d64545", "skip": "#9aa5b1"}


def write_report(report: dict[str, Any], report_dir: Path) -> dict[str, Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": report_dir / "report.json", "md": report_dir / "report.md", "html": report_dir / "report.html"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths


# ------------------------------------------------------------------ formatting


def _num(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer() and digits == 0:
        return f"{int(value):,}"
    return f"{value:.{digits}f}"


def _delta(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if abs(value) < 10 ** -digits / 2:
        return "±0"
    return f"{value:+.{digits}f}"


def _defects(case: dict[str, Any]) -> str:
    """The case's semantic-defect count (agentspec/checks/semantic/), shown next to the judge."""
    count = defect_count(case.get("checks") or [])
    return "–" if count is None else str(count)


def _case_map(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return (report.get("comparison") or {}).get("cases") or {}


def _check_names(report: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for case in report.get("cases", []):
        for check in case.get("checks") or []:
            if check["name"] not in names:
                names.append(check["name"])
    return names


def _families(report: dict[str, Any]) -> list[str]:
    fams: list[str] = []
    for case in report.get("cases", []):
        for fam in ((case.get("judge") or {}).get("families") or {}):
            if fam not in fams:
                fams.append(fam)
    return fams


# ------------------------------------------------------------------ markdown


def render_markdown(report: dict[str, Any]) -> str:
    comp = report.get("comparison") or {}
    summary = report.get("summary") or {}
    judge = report.get("judge") or {}
    verdict = "PASS" if report.get("exit_code") == 0 else "FAIL"
    jm = comp.get("judge_mean") or {}
    lines = [
        f"# agentspec eval: {verdict}",
        "",
        f"- mode: **{report.get('mode')}** · dataset: `{report.get('dataset')}` · cases: {summary.get('cases')} "
        f"({', '.join(f'{k} {v}' for k, v in (summary.get('statuses') or {}).items())})",
        f"- judge: {judge.get('model') or 'off'} · mean {_num(jm.get('current'))} (baseline {_num(jm.get('baseline'))}, "
        f"Δ {_delta(jm.get('delta'))}, threshold {report.get('threshold')})",
        f"- started {report.get('started_at')} · {report.get('duration_s')} s",
    ]
    for note in [*(report.get("notes") or []), *judge.get("notes", []), *comp.get("notes", [])]:
        lines.append(f"- note: {note}")
    if comp.get("gate_failures"):
        lines += ["", "## Gate failures", ""] + [f"- {g}" for g in comp["gate_failures"]]
    if jm.get("regressed"):
        lines += ["", f"**Judge regression**: mean dropped by {jm.get('drop')} (> {jm.get('threshold')})."]

    lines += ["", "## Cases", "", "| case | status | judge | Δ | defects | calls | tokens in/out | cost $ | time s | spec |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    cmap = _case_map(report)
    for case in report.get("cases", []):
        u = case.get("usage") or {}
        d = (cmap.get(case["id"]) or {}).get("judge_mean") or {}
        lines.append(
            f"| {case['id']} | {case['status']} | {_num((case.get('judge') or {}).get('mean'))} | {_delta(d.get('delta'))} "
            f"| {_defects(case)} | {u.get('calls', 0)} | {u.get('input_tokens', 0):,}/{u.get('output_tokens', 0):,} "
            f"| {_num(u.get('cost_usd'), 4)} | {_num(u.get('case_wall_s'), 1)} | [spec]({case['spec']}) |"
        )

    lines += ["", "## Checks", "", "| check | mean | passed | failed | skipped |", "|---|---|---|---|---|"]
    for name, row in (summary.get("checks") or {}).items():
        lines.append(f"| {name} | {_num(row.get('mean'))} | {row['passed']} | {row['failed']} | {row['skipped']} |")

    fams = _families(report)
    if fams:
        lines += ["", "## Judge by family", "", "| family | mean | baseline | Δ |", "|---|---|---|---|"]
        for fam in fams:
            f = (comp.get("families") or {}).get(fam) or {}
            lines.append(f"| {fam} | {_num(f.get('current'))} | {_num(f.get('baseline'))} | {_delta(f.get('delta'))} |")

    changes = [(cid, e) for cid, e in cmap.items() if e.get("regressions") or e.get("improvements")]
    if changes:
        lines += ["", "## Changes against the baseline", ""]
        for cid, entry in changes:
            lines += [f"- **{cid}**: regression: {r}" for r in entry.get("regressions", [])]
            lines += [f"- {cid}: improvement: {i}" for i in entry.get("improvements", [])]

    cal = report.get("calibration")
    if cal:
        lines += ["", "## Judge calibration", ""]
        if cal.get("skipped"):
            lines.append(f"skipped: {cal['skipped']}")
        else:
            lines.append(f"n={cal.get('n')} · exact {_num(cal.get('exact'))} · within ±1 {_num(cal.get('within_1'))} "
                         f"· Spearman {_num(cal.get('spearman'))} · labelled by: {'; '.join(cal.get('labellers') or ['?'])}")
            if _leniency(cal):
                lines += ["", f"**{_leniency(cal)}**"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ SVG charts


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def nice_ticks(max_value: float, target: int = 5) -> list[float]:
    """Round tick values from 0 to max_value: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if max_value <= 0:
        return [0.0]
    raw = max_value / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = int(max_value / step + 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def hbar_chart(rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[tuple[str, str]],
               max_value: float, *, title: str, unit: str = "", digits: int = 2, label_width: int = 190,
               width: int = 620) -> str:
    """Grouped horizontal bars, one group per row; None values are drawn as 'n/a'."""
    bar_h, gap, group_gap = 14, 3, 12
    per_group = len(series) * (bar_h + gap) + group_gap
    top = 34
    height = top + max(1, len(rows)) * per_group + 24
    plot_w = width - label_width - 70
    parts = [f'<svg viewBox="0 0 {width} {height}" class="chart" '
             f'role="img" aria-label="{_esc(title)}">',
             f'<text x="0" y="16" class="chart-title">{_esc(title)}</text>']
    # legend
    x = label_width
    for name, color in series:
        parts.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{color}"/>'
                     f'<text x="{x + 14}" y="31" class="legend">{_esc(name)}</text>')
        x += 16 + 7 * len(name) + 18
    scale = plot_w / max_value if max_value > 0 else 0
    for i, (label, values) in enumerate(rows):
        y0 = top + 8 + i * per_group
        mid = y0 + (len(series) * (bar_h + gap)) / 2
        parts.append(f'<text x="{label_width - 8}" y="{mid + 4:.1f}" text-anchor="end" class="axis-label">{_esc(label)}</text>')
        for j, value in enumerate(values):
            y = y0 + j * (bar_h + gap)
            color = series[j][1]
            if value is None:
                parts.append(f'<text x="{label_width + 4}" y="{y + 11}" class="na">n/a</text>')
                continue
            w = max(1.0, value * scale)
            parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{color}">'
                         f'<title>{_esc(label)} · {_esc(series[j][0])}: {value:.{digits}f}{_esc(unit)}</title></rect>')
            parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 11}" class="value">{value:.{digits}f}{_esc(unit)}</text>')
    axis_y = top + max(1, len(rows)) * per_group + 4
    parts.append(f'<line x1="{label_width}" y1="{axis_y}" x2="{label_width + plot_w}" y2="{axis_y}" class="axis"/>')
    for v in nice_ticks(max_value):
        xx = label_width + v * scale
        parts.insert(2, f'<line x1="{xx:.1f}" y1="{top + 4}" x2="{xx:.1f}" y2="{axis_y}" class="grid"/>')  # under the bars
        parts.append(f'<text x="{xx:.1f}" y="{axis_y + 14}" text-anchor="middle" class="tick">{v:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[tuple[str, str]], *, title: str,
                  label_width: int = 190, width: int = 620) -> str:
    """Stacked horizontal bars (e.g. input + output tokens per case)."""
    bar_h, gap, top = 16, 8, 34
    height = top + max(1, len(rows)) * (bar_h + gap) + 10
    plot_w = width - label_width - 90
    biggest = max((sum(v) for _, v in rows), default=0) or 1
    scale = plot_w / biggest
    parts = [f'<svg viewBox="0 0 {width} {height}" class="chart" '
             f'role="img" aria-label="{_esc(title)}">', f'<text x="0" y="16" class="chart-title">{_esc(title)}</text>']
    x = label_width
    for name, color in series:
        parts.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{color}"/>'
                     f'<text x="{x + 14}" y="31" class="legend">{_esc(name)}</text>')
        x += 16 + 7 * len(name) + 18
    for i, (label, values) in enumerate(rows):
        y = top + 6 + i * (bar_h + gap)
        parts.append(f'<text x="{label_width - 8}" y="{y + 12}" text-anchor="end" class="axis-label">{_esc(label)}</text>')
        xx = float(label_width)
        for (name, color), value in zip(series, values):
            w = value * scale
            if w > 0:
                parts.append(f'<rect x="{xx:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                             f'<title>{_esc(label)} · {_esc(name)}: {value:,.0f}</title></rect>')
            xx += w
        parts.append(f'<text x="{xx + 4:.1f}" y="{y + 12}" class="value">{sum(values):,.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------ HTML

CSS = """
:root { --fg:#1d2733; --muted:#5f6b7a; --line:#dde3ea; --bg:#f6f8fb; --pass:#1f9d55; --fail:#d64545; --skip:#9aa5b1; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg);
       margin: 0; background: var(--bg); }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 10px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin-bottom: 14px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; font-size: 13px;
         vertical-align: middle; margin-left: 8px; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; margin-top: 2px; }
.card .s { color: var(--muted); font-size: 12px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-top: 12px; overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 12px; align-items: start; }
svg.chart { width: 100%; height: auto; max-width: 760px; display: block; }
.alert { background: #fdecec; border: 1px solid #f3b5b5; border-radius: 8px; padding: 10px 14px; margin-top: 12px; }
.alert ul { margin: 6px 0 0 18px; padding: 0; }
.note { background: #fff8e6; border: 1px solid #f0d9a0; border-radius: 8px; padding: 8px 14px; margin-top: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
table.judge { table-layout: fixed; } table.judge td { overflow-wrap: anywhere; }
.pre { white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f0f3f7; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.cell { text-align: center; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.pass { background: #e3f4ea; color: #17693b; } td.fail { background: #fbe3e3; color: #9b2626; font-weight: 600; }
td.skip { background: #f0f2f4; color: #7b8794; }
td.regressed { outline: 2px solid var(--fail); outline-offset: -2px; }
.up { color: var(--pass); font-weight: 600; } .down { color: var(--fail); font-weight: 600; }
.status-ok { color: var(--pass); font-weight: 600; } .status-partial { color: #b7791f; font-weight: 600; }
.status-bad { color: var(--fail); font-weight: 600; }
details { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin-top: 10px; padding: 8px 14px; }
summary { cursor: pointer; font-weight: 600; }
.quote { color: var(--muted); font-style: italic; }
.small { font-size: 12px; color: var(--muted); }
svg text { font-family: inherit; } svg .chart-title { font-size: 14px; font-weight: 600; fill: #1d2733; }
svg .legend, svg .tick, svg .na { font-size: 11px; fill: #5f6b7a; } svg .axis-label { font-size: 12px; fill: #1d2733; }
svg .value { font-size: 11px; fill: #1d2733; } svg .axis { stroke: #c3ccd6; } svg .grid { stroke: #eef1f5; }
"""


def _score_color(score: float | None) -> str:
    """1 (red) .. 5 (green) background for judge scores."""
    if score is None:
        return "#f0f2f4"
    t = max(0.0, min(1.0, (score - 1) / 4))
    r = int(251 + (227 - 251) * t)
    g = int(227 + (244 - 227) * t)
    b = int(227 + (234 - 227) * t)
    return f"#{r:02x}{g:02x}{b:02x}"


def _delta_html(value: float | None, digits: int = 2, higher_is_better: bool = True) -> str:
    if value is None:
        return '<span class="small">–</span>'
    if abs(value) < 10 ** -digits / 2:
        return "±0"
    good = (value > 0) == higher_is_better
    arrow = "▲" if value > 0 else "▼"
    return f'<span class="{"up" if good else "down"}">{arrow} {value:+.{digits}f}</span>'


def _status_html(status: str) -> str:
    cls = "status-ok" if status == "ok" else "status-partial" if status == "partial" else "status-bad"
    return f'<span class="{cls}">{_esc(status)}</span>'


def _cards(report: dict[str, Any]) -> str:
    summary = report.get("summary") or {}
    totals = summary.get("totals") or {}
    jm = (report.get("comparison") or {}).get("judge_mean") or {}
    statuses = ", ".join(f"{k} {v}" for k, v in (summary.get("statuses") or {}).items())
    passed_checks = sum(r["passed"] for r in (summary.get("checks") or {}).values())
    failed_checks = sum(r["failed"] for r in (summary.get("checks") or {}).values())
    cards = [
        ("cases", str(summary.get("cases", 0)), statuses),
        ("judge mean", _num(jm.get("current")), f"baseline {_num(jm.get('baseline'))} · Δ {_delta(jm.get('delta'))}"),
        ("checks", f"{passed_checks}/{passed_checks + failed_checks}", f"{failed_checks} failing"),
        ("tokens", f"{(totals.get('input_tokens', 0) + totals.get('output_tokens', 0)):,.0f}",
         f"in {totals.get('input_tokens', 0):,.0f} · out {totals.get('output_tokens', 0):,.0f}"),
        ("cost", f"${totals.get('cost_usd', 0):.4f}", f"judge ${totals.get('judge_cost_usd', 0):.4f}"),
        ("time", f"{report.get('duration_s', 0):,.0f} s", f"LLM {totals.get('llm_seconds', 0):,.0f} s"),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{_esc(k)}</div><div class="v">{_esc(v)}</div><div class="s">{_esc(s)}</div></div>'
        for k, v, s in cards) + "</div>"


def _checks_matrix(report: dict[str, Any]) -> str:
    names = _check_names(report)
    cmap = _case_map(report)
    head = "<tr><th>case</th>" + "".join(f'<th class="num">{_esc(n)}</th>' for n in names) + "</tr>"
    rows = []
    for case in report.get("cases", []):
        by_name = {c["name"]: c for c in case.get("checks") or []}
        comp_checks = (cmap.get(case["id"]) or {}).get("checks") or {}
        cells = []
        for name in names:
            c = by_name.get(name)
            if c is None:
                cells.append('<td class="cell skip">–</td>')
                continue
            cls = "skip" if c["skipped"] else "pass" if c["passed"] else "fail"
            row = comp_checks.get(name) or {}
            regressed = row.get("baseline_passed") and not c["passed"] and not c["skipped"]
            text = "skip" if c["skipped"] else f"{c['value']:.2f}"
            tip = "; ".join(c.get("details") or [])[:600]
            cells.append(f'<td class="cell {cls}{" regressed" if regressed else ""}" title="{_esc(tip)}">'
                         f'{"▼ " if regressed else ""}{_esc(text)}</td>')
        rows.append(f'<tr><td><a href="#case-{_esc(case["id"])}">{_esc(case["id"])}</a></td>{"".join(cells)}</tr>')
    return f"<table>{head}{''.join(rows)}</table>"


def _families_matrix(report: dict[str, Any]) -> str:
    fams = _families(report)
    if not fams:
        return '<p class="small">The judge did not run.</p>'
    cmap = _case_map(report)
    head = "<tr><th>case</th>" + "".join(f'<th class="num">{_esc(f)}</th>' for f in fams) + '<th class="num">mean</th><th class="num">Δ baseline</th></tr>'
    rows = []
    for case in report.get("cases", []):
        judge = case.get("judge") or {}
        comp = cmap.get(case["id"]) or {}
        cells = []
        for fam in fams:
            mean = ((judge.get("families") or {}).get(fam) or {}).get("mean")
            delta = ((comp.get("families") or {}).get(fam) or {}).get("delta")
            extra = f" <small>{_delta_html(delta)}</small>" if delta not in (None, 0) else ""
            cells.append(f'<td class="cell" style="background:{_score_color(mean)}">{_num(mean)}{extra}</td>')
        d = (comp.get("judge_mean") or {}).get("delta")
        rows.append(f'<tr><td>{_esc(case["id"])}</td>{"".join(cells)}<td class="cell"><b>{_num(judge.get("mean"))}</b></td>'
                    f'<td class="cell">{_delta_html(d)}</td></tr>')
    return f"<table>{head}{''.join(rows)}</table>"


def _cases_table(report: dict[str, Any]) -> str:
    cmap = _case_map(report)
    head = ("<tr><th>case</th><th>status</th><th class='num'>judge</th><th class='num'>Δ</th><th class='num'>defects</th>"
            "<th class='num'>failed sections</th>"
            "<th class='num'>LLM calls</th><th class='num'>tokens in</th><th class='num'>tokens out</th><th class='num'>cost $</th>"
            "<th class='num'>time s</th><th>spec</th></tr>")
    rows = []
    for case in report.get("cases", []):
        u = case.get("usage") or {}
        d = ((cmap.get(case["id"]) or {}).get("judge_mean") or {}).get("delta")
        rows.append(
            f'<tr><td><a href="#case-{_esc(case["id"])}">{_esc(case["id"])}</a></td><td>{_status_html(case["status"])}</td>'
            f'<td class="num">{_num((case.get("judge") or {}).get("mean"))}</td><td class="num">{_delta_html(d)}</td>'
            f'<td class="num">{_defects(case)}</td><td class="num">{len(case.get("failed_sections") or [])}</td>'
            f'<td class="num">{u.get("calls", 0)}</td><td class="num">{u.get("input_tokens", 0):,}</td>'
            f'<td class="num">{u.get("output_tokens", 0):,}</td><td class="num">{u.get("cost_usd", 0):.4f}</td>'
            f'<td class="num">{_num(u.get("case_wall_s"), 1)}</td>'
            f'<td><a href="{_esc(case["spec"])}">{_esc(case["spec"].rsplit("/", 1)[-1])}</a></td></tr>')
    return f"<table>{head}{''.join(rows)}</table>"


def _case_details(case: dict[str, Any], comp: dict[str, Any]) -> str:
    # Problems open by default: a reader should not have to hunt for them.
    trouble = case["status"] != "ok" or bool(comp.get("regressions"))
    out = [f'<details id="case-{_esc(case["id"])}"{" open" if trouble else ""}><summary>{_esc(case["id"])} · {_status_html(case["status"])}'
           f' · judge {_num((case.get("judge") or {}).get("mean"))}</summary>',
           f'<p>{_esc(case["description"])}</p>',
           f'<p><a href="{_esc(case["spec"])}">open the spec</a> · '
           f'<a href="cases/{_esc(case["id"])}/spec.json">spec.json</a> · <a href="cases/{_esc(case["id"])}/run.json">run.json</a></p>']
    if case.get("error"):
        # A partial spec is a normal outcome for a weak model; errors and mismatches are not.
        box = "note" if case["status"] == "partial" else "alert"
        out.append(f'<div class="{box}"><b>{_esc(case["status"])}</b>: <span class="pre">{_esc(case["error"])}</span></div>')
    for note in case.get("notes") or []:
        out.append(f'<div class="note">{_esc(note)}</div>')
    for r in comp.get("regressions") or []:
        out.append(f'<div class="alert">regression: {_esc(r)}</div>')
    for i in comp.get("improvements") or []:
        out.append(f'<div class="note">improvement: {_esc(i)}</div>')
    sections = case.get("sections") or {}
    if sections:
        out.append("<h3>Sections</h3><table><tr><th>section</th><th>family</th><th>status</th><th class='num'>attempts</th>"
                   "<th class='num'>judge</th><th>check findings</th></tr>")
        for sid, s in sections.items():
            findings = s.get("findings") or []
            shown = "<br>".join(_esc(f) for f in findings[:4]) + (f" <span class='small'>(+{len(findings) - 4})</span>" if len(findings) > 4 else "")
            status_cls = "fail" if s.get("status") == "failed" else ""
            out.append(f'<tr><td>{_esc(sid)}</td><td>{_esc(s.get("family") or "")}</td><td class="{status_cls}">{_esc(s.get("status"))}</td>'
                       f'<td class="num">{s.get("attempts", 0)}</td><td class="cell" style="background:{_score_color(s.get("judge"))}">{_num(s.get("judge"))}</td>'
                       f'<td class="small">{shown}</td></tr>')
        out.append("</table>")
    judge = case.get("judge") or {}
    if judge.get("error"):
        out.append(f'<div class="alert">judge: {_esc(judge["error"])}</div>')
    for fam, data in (judge.get("families") or {}).items():
        out.append(f"<h3>Judge · {_esc(fam)} · {_num(data.get('mean'))}</h3>")
        for unit in data.get("units") or []:
            flags = (" · truncated" if unit.get("truncated") else "") + (" · cached" if unit.get("cached") else "")
            out.append(f'<p class="small">judged together: {_esc(", ".join(unit["labels"]))}{flags}</p>')
            if unit.get("error"):
                out.append(f'<div class="alert">{_esc(unit["error"])}</div>')
                continue
            out.append("<table class='judge'><colgroup><col style='width:15%'><col style='width:6%'><col style='width:47%'>"
                       "<col style='width:32%'></colgroup><tr><th>criterion</th><th class='num'>score</th><th>feedback</th>"
                       "<th>evidence</th></tr>")
            for cid, c in unit["criteria"].items():
                quotes = "<br>".join(f'<span class="quote">“{_esc(q)}”</span>' for q in c.get("evidence") or [])
                grounded = c.get("grounded")
                if grounded is not None:
                    quotes += f'<br><span class="small">{grounded:.0%} of quotes found in the text</span>'
                out.append(f'<tr><td>{_esc(cid)}</td><td class="cell" style="background:{_score_color(c["score"])}">{c["score"]}</td>'
                           f'<td>{_esc(c.get("feedback"))}</td><td>{quotes}</td></tr>')
            out.append("</table>")
    pairwise = judge.get("pairwise") or {}
    if pairwise:
        out.append("<h3>Pairwise against the baseline spec</h3><table><tr><th>family</th><th>outcome</th><th>orders (current as A, then as B)</th></tr>")
        for fam, p in pairwise.items():
            out.append(f"<tr><td>{_esc(fam)}</td><td>{_esc(p['outcome'])}</td><td>{_esc(' / '.join(str(o) for o in p['orders']))}"
                       f"{'' if p.get('consistent') else ' (orders disagree: tie)'}</td></tr>")
        out.append("</table>")
    out.append("</details>")
    return "".join(out)


def _leniency(cal: dict[str, Any]) -> str | None:
    """The judge's leniency in one plain sentence, or None without the figures."""
    bias, weak = cal.get("bias"), cal.get("weak_passed")
    if bias is None:
        return None
    said = f"Judge leniency: it scores {abs(bias):.2f} points {'above' if bias >= 0 else 'below'} the human labels on average"
    if weak:
        said += f", and rated {weak} of the examples a person rated weak (2 or less) at 4 or more"
    return said + ". Read its scores with that in mind; the deterministic checks and coverage do not lean."


def _calibration_html(cal: dict[str, Any] | None) -> str:
    if not cal:
        return ""
    if cal.get("skipped"):
        return f'<h2>Judge calibration</h2><div class="note">skipped: {_esc(cal["skipped"])}</div>'
    rows = "".join(f'<tr><td>{_esc(i["id"])}</td><td>{_esc(i["family"])}</td><td class="num">{i["human"]}</td>'
                   f'<td class="num">{_num(i.get("judge"))}</td><td class="small">{_esc(i.get("error") or "")}</td></tr>'
                   for i in cal.get("items") or [])
    return (f'<h2>Judge calibration</h2><div class="panel"><p>n={cal.get("n")} · exact agreement {_num(cal.get("exact"))}'
            f' · within ±1 {_num(cal.get("within_1"))} · Spearman {_num(cal.get("spearman"))}</p>'
            + (f'<p><strong>{_esc(_leniency(cal))}</strong></p>' if _leniency(cal) else "")
            + f'<p class="small">labelled by: {_esc("; ".join(cal.get("labellers") or ["unknown"]))}</p>'
            f"<table><tr><th>example</th><th>family</th><th class='num'>label</th><th class='num'>judge</th><th></th></tr>{rows}</table></div>")


def render_html(report: dict[str, Any]) -> str:
    comp = report.get("comparison") or {}
    judge = report.get("judge") or {}
    passed = report.get("exit_code") == 0
    cases = report.get("cases", [])
    cmap = _case_map(report)
    notes = [*(report.get("notes") or []), *judge.get("notes", []), *comp.get("notes", [])]
    body = [
        f'<h1>agentspec eval<span class="badge {"pass" if passed else "fail"}">{"PASS" if passed else "FAIL"}</span></h1>',
        f'<div class="meta">mode <b>{_esc(report.get("mode"))}</b> · dataset <code>{_esc(report.get("dataset"))}</code> · '
        f'judge {_esc(judge.get("model") or "off")} · threshold {_esc(report.get("threshold"))} · '
        f'started {_esc(report.get("started_at"))} · baseline {_esc(report.get("baseline_path") or "none")}</div>',
        _cards(report),
    ]
    body += [f'<div class="note">{_esc(n)}</div>' for n in notes]
    gate = comp.get("gate_failures") or []
    jm = comp.get("judge_mean") or {}
    if gate or jm.get("regressed"):
        items = "".join(f"<li>{_esc(g)}</li>" for g in gate)
        if jm.get("regressed"):
            items += f"<li>judge mean dropped by {jm.get('drop')} (threshold {jm.get('threshold')})</li>"
        body.append(f'<div class="alert"><b>Why this run fails</b><ul>{items}</ul></div>')

    judge_rows = [(c["id"], [(c.get("judge") or {}).get("mean"), ((cmap.get(c["id"]) or {}).get("judge_mean") or {}).get("baseline")])
                  for c in cases]
    has_baseline = any(v[1] is not None for _, v in judge_rows)
    series = [("current", PALETTE["current"])] + ([("baseline", PALETTE["baseline"])] if has_baseline else [])
    judge_chart = hbar_chart([(cid, vals[: len(series)]) for cid, vals in judge_rows], series, 5.0,
                             title="Judge mean per case (1-5)")
    summary_checks = (report.get("summary") or {}).get("checks") or {}
    check_chart = hbar_chart([(name, [row.get("mean")]) for name, row in summary_checks.items()],
                             [("mean score", PALETTE["pass"])], 1.0, title="Deterministic checks: mean score (0-1)")
    token_chart = stacked_chart([(c["id"], [(c.get("usage") or {}).get("input_tokens", 0), (c.get("usage") or {}).get("output_tokens", 0)])
                                 for c in cases], [("input tokens", PALETTE["input"]), ("output tokens", PALETTE["output"])],
                                title="Drafting tokens per case")
    # In replay the run's own time is just replay overhead; the recording's
    # drafting time (kept in the cassette) is the one that says something.
    recorded = any((c.get("usage") or {}).get("recorded_draft_wall_s") is not None for c in cases)
    time_series = [("this run", PALETTE["current"])] + ([("draft when recorded", PALETTE["output"])] if recorded else [])
    times = [(c["id"], [(c.get("usage") or {}).get("case_wall_s"), (c.get("usage") or {}).get("recorded_draft_wall_s")][: len(time_series)])
             for c in cases]
    max_time = max((v or 0 for _, vals in times for v in vals), default=0) or 1
    time_chart = hbar_chart(times, time_series, max_time * 1.1, title="Time per case (s)", digits=1, unit=" s")
    body += [
        "<h2>Overview</h2>",
        f'<div class="charts"><div class="panel">{judge_chart}</div><div class="panel">{check_chart}</div>'
        f'<div class="panel">{token_chart}</div><div class="panel">{time_chart}</div></div>',
        "<h2>Cases</h2>", f'<div class="panel">{_cases_table(report)}</div>',
        "<h2>Checks per case</h2>",
        '<p class="small">Cell = check score (0-1); red = failing, grey = skipped, outlined ▼ = passed in the baseline and fails now. Hover a cell for details.</p>',
        f'<div class="panel">{_checks_matrix(report)}</div>',
        "<h2>Judge scores per family</h2>", f'<div class="panel">{_families_matrix(report)}</div>',
        _calibration_html(report.get("calibration")),
        "<h2>Case details</h2>",
    ]
    body += [_case_details(c, cmap.get(c["id"]) or {}) for c in cases]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>agentspec eval · {_esc(report.get('mode'))} · {'PASS' if passed else 'FAIL'}</title>"
            f"<style>{CSS}</style></head><body><main>{''.join(body)}</main></body></html>\n")
