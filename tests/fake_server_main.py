"""Run the fake OpenAI server (a TEST DOUBLE) in its own process, answering with
recorded real data; used by tests that drive the CLI as a subprocess.

    python -m tests.fake_server_main --ttft 0.05 --tps 400  → prints base_url, serves until killed
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tests.doubles import FakeOpenAIServer, Latency
from tests.fakes import RecordedResponder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ttft", type=float, default=0.0)
    parser.add_argument("--tps", type=float, default=0.0)
    args = parser.parse_args()
    latency = Latency(ttft_s=args.ttft, tokens_per_s=args.tps) if args.tps else None
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with FakeOpenAIServer(responder=RecordedResponder(), latency=latency) as srv:
        print(f"base_url: {srv.base_url}", flush=True)
        done.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
