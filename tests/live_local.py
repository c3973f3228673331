"""Marks for tests that run the embedded model itself: slow, and skipped where
llama-cpp-python or the model is not installed."""

from __future__ import annotations

import os

import pytest

from agentspec.local.model import chunks_installed
from agentspec.local.server import llama_cpp_available

REQUIRES_LOCAL_MODEL = [
    pytest.mark.slow,
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python not installed"),
    pytest.mark.skipif(
        not (chunks_installed() or os.environ.get("AGENTSPEC_LOCAL_MODEL")),
        reason="model chunks not installed",
    ),
]
