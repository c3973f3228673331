"""scripts/bench_local_draft.py reads llama.cpp's log lines and run.json; the
figures it reports for issue #3 must come out of them right."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_local_draft", ROOT / "scripts" / "bench_local_draft.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

# Lines in the format llama-cpp-python 0.3.36 writes (copied from a real server log).
LOG = """\
Llama.generate: 332 prefix-match hit, remaining 583 prompt tokens to eval
llama_perf_context_print: prompt eval time =    9757.67 ms /   583 tokens (   16.74 ms per token,    59.75 tokens per second)
llama_perf_context_print:        eval time =    8982.55 ms /   184 runs   (   48.82 ms per token,    20.48 tokens per second)
INFO:     127.0.0.1:53120 - "POST /v1/chat/completions HTTP/1.1" 200 OK
Llama.generate: 1099 prefix-match hit, remaining 94 prompt tokens to eval
llama_perf_context_print: prompt eval time =    1685.79 ms /    94 tokens (   17.93 ms per token,    55.76 tokens per second)
llama_perf_context_print:        eval time =    9254.66 ms /   184 runs   (   50.30 ms per token,    19.88 tokens per second)
"""


def _call(section, reasks=0, status="ok", attempt=0):
    return {"section": section, "reasks": reasks, "status": status, "attempt": attempt}


def test_server_counters_parse_llama_cpp_perf_lines(tmp_path):
    log = tmp_path / "llama-server.log"
    log.write_text(LOG)
    counters = bench.server_counters(log)
    assert counters["prompt eval tokens"] == [583, 94]
    assert counters["eval tokens"] == [184, 184]
    assert counters["eval ms"] == [8982.55, 9254.66]
    assert counters["prefix hit"] == [332, 1099]
    assert bench.server_counters(tmp_path / "missing.log") == {}


def test_first_attempt_means_one_request_and_no_reask():
    calls = [_call("intake"), _call("a"), _call("b", reasks=1), _call("c"), _call("c", attempt=1), _call("d", status="failed")]
    clean, total, unclean = bench.first_attempt(calls)
    assert (clean, total) == (1, 4)  # intake is not a section
    assert unclean == ["b", "c", "d"]


def test_analysis_rows_report_targets(tmp_path):
    log = tmp_path / "llama-server.log"
    log.write_text(LOG)
    run = {"calls": [_call("intake"), _call("a"), _call("b")], "failed_sections": [],
           "totals": {"calls": 3, "input_tokens": 1000, "output_tokens": 300, "reasks": 0}, "timings": {"wall_s": 600}}
    rows = {name: (value, target) for name, value, target in bench.analyse(run, bench.server_counters(log), 0.0, {"server": 2048 * 1024})}
    wall = rows["Wall time of the draft (run.json)"]
    assert wall[0].startswith("600 s") and "✓" in wall[1]
    first = rows["Sections + analyses valid on the first attempt (one request, no re-ask, no redraft)"]
    assert first[0] == "2 of 2 (100%)" and "✓" in first[1]
    decode = rows["Decode with the schema grammar (median over requests, llama.cpp counters)"]
    assert decode[0].startswith("20.2 tok/s") and "✓" in decode[1]
