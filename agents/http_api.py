"""The HTTP API's shared value types: methods, versioned paths and operation names.

The spine decides the endpoints and backend_integration and api_specifications
elaborate them; all three validate a path the same way, so they live here and
the section modules and the spine both point down to this module.

Spellings with one meaning are normalised by code rather than re-asked: a 1.5B
model writes them often (measured on the recorded answers under tests/spine), and
rarely fixes them when asked again."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, StringConstraints

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
PATH_PARAM = re.compile(r":([a-z][a-zA-Z0-9]*)")  # a :param path segment

_LITERAL_SEGMENT_SEPARATORS = re.compile(r"[._\s]+")
_PARAM_SEGMENT = re.compile(r"^(?:\{([A-Za-z][A-Za-z0-9_-]*)\}|:([A-Za-z][A-Za-z0-9_-]*))$")


def camel(name: str) -> str:
    """`user_id`, `user-id`, `UserId` -> `userId`."""
    head, *rest = [w for w in re.split(r"[_\-\s]+", name) if w]
    return head[0].lower() + head[1:] + "".join(w[0].upper() + w[1:] for w in rest)


def _tidy_path(path: object) -> object:
    """`/api/v1/webhooks/invoice.paid` or `/api/v1/Sync_Status/{invoice_id}` ->
    `/api/v1/webhooks/invoice-paid`, `/api/v1/sync-status/:invoiceId`.

    Dots, underscores and capitals in a literal segment, and `{param}` or a
    snake_case or kebab-case parameter, have one meaning in a URL path. Anything
    else is left to the pattern."""
    if not isinstance(path, str):
        return path
    path = re.sub(r"^/(v[0-9]+/)", r"/api/\1", path.strip())  # our API's prefix, dropped: /v1/x is /api/v1/x
    tidy: list[str] = []
    for segment in path.strip().split("/"):
        param = _PARAM_SEGMENT.match(segment)
        if param:
            segment = ":" + camel(param.group(1) or param.group(2))
        else:
            segment = _LITERAL_SEGMENT_SEPARATORS.sub("-", segment).strip("-").lower()
        tidy.append(segment)
    return "/".join(tidy)


def _check_path(path: str) -> str:
    params = PATH_PARAM.findall(path)
    if len(set(params)) != len(params):
        raise ValueError(f"path {path} repeats a :param name; each path parameter needs its own name")
    if path.endswith("/"):
        raise ValueError(f"path {path} ends with a slash; drop it")
    return path


ApiPath = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=120, pattern=r"^/api/v[0-9]+(/([a-z0-9][a-z0-9-]*|:[a-z][a-zA-Z0-9]*))+$"),
    BeforeValidator(_tidy_path),
    AfterValidator(_check_path),
]


def versioned(path: object) -> object:
    """`/webhooks/provider` -> `/api/v1/webhooks/provider`, `/api/x` -> `/api/v1/x`.

    Only where the path is being decided (the spine): every path of ours is versioned.
    A section copies the spine's paths, and a section's unversioned path is a slip
    the gate should see, so sections keep the strict ApiPath."""
    if not isinstance(path, str) or not path.strip().startswith("/"):
        return path
    text = path.strip()
    if text.startswith("/api/") and not re.match(r"^/api/v[0-9]+/", text):
        return "/api/v1/" + text[len("/api/"):]
    if not text.startswith("/api/"):
        return "/api/v1" + text
    return text


VersionedPath = Annotated[ApiPath, BeforeValidator(versioned)]


def camel_slip(value: object) -> object:
    """`customer_id` or `customer-id` -> `customerId` where a camelCase name is asked for."""
    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9]*([_-][a-z0-9]+)+", value.strip()):
        return camel(value.strip())
    return value


def _operation_name(value: object) -> object:
    """An operation's name is camelCase. Two slips with one meaning are fixed:
    - `get_invoices` or `get-invoices` -> `getInvoices`;
    - the spine's route copied where the name goes, `POST /api/v1/webhooks/stripe` -> `postWebhooksStripe`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"[a-z][a-z0-9]*([_-][a-z0-9]+)+", text):
        return camel_slip(text)
    if not re.match(r"^(GET|POST|PUT|PATCH|DELETE)\s+/", text):
        return value
    method, path = text.split(None, 1)
    words = [w for seg in path.split("/") if seg and not seg.startswith((":", "{")) and not re.fullmatch(r"api|v[0-9]+", seg)
             for w in re.split(r"[^A-Za-z0-9]+", seg) if w]
    return (method.lower() + "".join(w.capitalize() for w in words))[:40]


def operation_name(route: str) -> str:
    """`POST /api/v1/webhooks/stripe` -> `postWebhooksStripe`."""
    return str(_operation_name(route))


OperationName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][A-Za-z0-9]{2,40}$"),
                          BeforeValidator(_operation_name)]
