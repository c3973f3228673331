"""Typed errors. The CLI maps each class to an exit code in one place (cli.py)."""

from __future__ import annotations


class AgentSpecError(Exception):
    """Base for every error a user can act on. `hint` says what to do next."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(AgentSpecError):
    """Bad input: arguments, files, descriptions. Nothing was written."""

    exit_code = 2


class ConfigError(AgentSpecError):
    """Missing or invalid configuration (model, endpoint, key, template)."""

    exit_code = 2


class ReviewPending(AgentSpecError):
    """The run stopped to wait for human approval; `agentspec review` continues it."""

    exit_code = 3


class EndpointError(AgentSpecError):
    """The model endpoint is down, refused, or kept failing. The run can be resumed."""

    exit_code = 4


class LocalModelError(AgentSpecError):
    """The embedded local model is missing, corrupt, or its server would not start."""

    exit_code = 4


class PartialResult(AgentSpecError):
    """The spec was written but some sections failed their checks or retries."""

    exit_code = 5


class Interrupted(AgentSpecError):
    """Ctrl-C (SIGINT): the run stopped where it was and can be resumed."""

    exit_code = 130
