"""Fixtures for the eval harness tests.

- Cassettes use the eval's readable serializer and JSON body matcher, both for
  pytest-recording's `vcr` fixture (vcr_config + pytest_recording_configure)
  and for code that builds its own recorder (`eval_vcr`).
- `spec_dir` is a hand-made spec directory (tests/eval/spec_factory.py), not
  model output.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # spec_factory, next to this file

from agentspec.evals import cassettes  # noqa: E402


def pytest_recording_configure(config, vcr):  # noqa: ANN001 - pytest-recording hook
    vcr.register_serializer(cassettes.SERIALIZER, cassettes.ReadableSerializer)
    vcr.register_matcher("json_body", cassettes.json_body)


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "serializer": cassettes.SERIALIZER,
        "match_on": list(cassettes.MATCH_ON),
        "filter_headers": list(cassettes.FILTER_HEADERS),
        "decode_compressed_response": True,
        "before_record_request": cassettes.canonical_endpoint,
    }


@pytest.fixture
def eval_vcr():
    return cassettes.make_vcr()


@pytest.fixture(autouse=True)
def quiet_instructor():
    # instructor logs every exhausted re-ask at ERROR (the CLI silences it the same way).
    logger = logging.getLogger("instructor")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def spec_dir(tmp_path):
    import spec_factory

    return spec_factory.write_spec(tmp_path / "spec")
