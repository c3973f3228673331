"""Field checks shared by section models: no invented `file:line` locations (no codebase
was given) and no secrets in config values."""

from __future__ import annotations

import re

from pydantic import AfterValidator, StringConstraints
from typing_extensions import Annotated


# src/middleware/auth.ts:15, user_service.rb:45-120, auth.ts#L15, the literal file:line.
# Source-ish extensions only, so host:port (api.example.com:443) is not a location.
_SOURCE_EXT = (
    "ts tsx js jsx mjs cjs py rb go rs java kt kts scala swift c h cc cpp hpp cs php vue svelte sql "
    "prisma graphql gql proto sh yaml yml json toml ini cfg conf env md mdx html css scss ex exs dart lua tf xml gradle"
).split()
FILE_LINE = re.compile(
    r"(?<![\w/.:@-])/?(?:[\w.@-]+/)*[\w@-][\w.@-]*\.(?:" + "|".join(_SOURCE_EXT) + r")(?::\d+|#L\d+)(?!\w)|\bfile:line\b"
)


def check_file_line(value: object) -> object:
    """Reject `path/file.ext:NN` locations in a string or a list of strings."""
    for text in value if isinstance(value, list) else [value]:
        match = FILE_LINE.search(text) if isinstance(text, str) else None
        if match:
            raise ValueError(
                f"{match.group(0)!r} claims an existing line of code, but no codebase was given; "
                'write where to look instead: a grep -rn search for an identifier this feature uses, or a kind of module'
            )
    return value


def no_file_line(value: str) -> str:
    """A location hint: no `file:line` claims, no backticks (the renderer adds them)."""
    check_file_line(value)
    return value.replace("`", "").strip()


_SECRET_PATTERNS = [
    (re.compile(r"://[^/\s:@]+:(?![$%{])[^/\s@]+@"), "a URL with a user and password"),
    (re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{6,}"), "a Stripe-style API key"),
    (re.compile(r"\bAKIA[0-9A-Z]{12,}"), "an AWS access key id"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), "a GitHub token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\."), "a JWT"),
    (
        re.compile(
            r"(?i)\b(?:password|passwd|secret|api[_-]?key|token)\s*[:=]\s*['\"]?"
            r"(?![$%{]|process\.env|env\(|os\.environ|(?-i:[A-Z][A-Z0-9_]{2,}\b))"
            r"(?=[^\s'\",;]*\d)(?=[^\s'\",;]*[A-Za-z])[^\s'\",;]{8,}"
        ),
        "an inline credential",
    ),
]


def no_secret(value: str) -> str:
    for pattern, what in _SECRET_PATTERNS:
        if pattern.search(value):
            raise ValueError(f"contains {what}; never put secrets in config, reference an environment variable name such as DATABASE_URL")
    return value


def _names_a_variable(value: str) -> str:
    """The SFTP draft's auth section read `process.env.UPPER_SNAKE_CASE_OAUTH_CLIENT_ID`: the field's
    description copied as its value."""
    if "SNAKE_CASE" in value:
        raise ValueError(f"{value} copies the field's description (UPPER_SNAKE_CASE); write the variable's own name, such as ACME_API_KEY")
    return value


# An environment variable's name, as every section model asks for one.
EnvVar = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z][A-Z0-9_]{2,63}$"), AfterValidator(_names_a_variable)]
