"""The memo around instructor's async-validator scan (agentspec/gateway/async_validator_scan.py):
a clean model is walked once, a model with an async validator is rejected every time."""

from __future__ import annotations

from unittest import mock

import pytest
from instructor.v2.core import patch as instructor_patch
from instructor.v2.validation import async_validators
from pydantic import BaseModel

import agentspec.gateway.client  # noqa: F401 - installs the memo on import
from agentspec.gateway import async_validator_scan


class Leaf(BaseModel):
    name: str


class Clean(BaseModel):
    leaves: list[Leaf]


class WithAsyncValidator(BaseModel):
    name: str

    @async_validators.async_field_validator("name")
    async def check_name(self, value: str) -> str:
        return value


def test_installed_on_every_binding_instructor_uses() -> None:
    assert async_validator_scan.install() is True  # idempotent
    assert getattr(async_validators.reject_async_validators, "_agentspec_memo", False)
    assert instructor_patch.reject_async_validators is async_validators.reject_async_validators


def test_a_clean_model_is_walked_once() -> None:
    with mock.patch.object(async_validators, "get_origin", wraps=async_validators.get_origin) as walk:
        async_validators.reject_async_validators(Clean)
        walked = walk.call_count
        for _ in range(5):
            async_validators.reject_async_validators(Clean)
    assert walked > 0
    assert walk.call_count == walked


def test_an_async_validator_is_rejected_every_time() -> None:
    for _ in range(3):
        with pytest.raises(ValueError, match="async validators"):
            async_validators.reject_async_validators(WithAsyncValidator)
