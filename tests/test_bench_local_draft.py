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
Llama.generate: 200 prefix-match hit, remaining 595 prompt tokens to eval
llama_perf_context_print:        load time =    9362.52 ms
llama_perf_context_print: prompt eval time =    9396.64 ms /   595 tokens (   15.79 ms per token,    63.32 tokens per second)
llama_perf_context_print:        eval time =    9702.82 ms /   191 runs   (   50.80 ms per token,    19.68 tokens per second)
llama_perf_context_print:       total time =   19515.39 ms /   786 tokens
llama_perf_context_print:    graphs reused =        190
INFO:     127.0.0.1:60300 - "POST /v1/chat/completions HTTP/1.1" 200 OK
Llama.generate: 336 prefix-match hit, remaining 342 prompt tokens to eval
llama_perf_context_print:        load time =    9362.52 ms
llama_perf_context_print: prompt eval time =    5734.34 ms /   342 tokens (   16.77 ms per token,    59.64 tokens per second)
llama_perf_context_print:        eval time =    8401.07 ms /   166 runs   (   50.61 ms per token,    19.76 tokens per second)
llama_perf_context_print:       total time =   14432.67 ms /   508 tokens
"""


def _call(section, reasks=0, status="ok", attempt=0):
    return {"section": section, "reasks": reasks, "status": status, "attempt": attempt}


def test_server_counters_parse_llama_cpp_perf_lines(tmp_path):
    log = tmp_path / "llama-server.log"
    log.write_text(LOG)
    counters = bench.server_counters(log)
    assert counters["prompt eval tokens"] == [595, 342]
    assert counters["eval tokens"] == [191, 166]
    assert counters["eval ms"] == [9702.82, 8401.07]
    assert counters["total ms"] == [19515.39, 14432.67]
    assert counters["prefix hit"] == [200, 336]
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
    # Sampling included: 191 / (19.515 - 9.397 s) and 166 / (14.433 - 5.734 s), median 19.0.
    decode = rows["Decode with the schema grammar, sampling included (median over requests: tokens / (total − prompt eval))"]
    assert decode[0].startswith("19.0 tok/s") and "✓" in decode[1]
    forward = rows['Model forward passes only (llama.cpp "eval time", what earlier runs reported)']
    assert forward[0] == "19.7 tok/s"
