"""Routes declared in OpenAPI / Swagger documents (openapi.yaml, swagger.json...).

The document is composed, not loaded: yaml.compose keeps each key's line and
builds no Python objects from tags, so a hostile file cannot run code.
JSON is read by the same YAML parser (JSON is, in practice, YAML).
"""

from __future__ import annotations

import re

import yaml

from agentspec.repo.context import Route, Source
from agentspec.repo.facts import Facts

_OPENAPI_NAME = re.compile(r"(?i)^(.*[._-])?(openapi|swagger)([._-].*)?\.(ya?ml|json)$")
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def is_openapi_name(name: str) -> bool:
    return bool(_OPENAPI_NAME.match(name))


def _mapping_items(node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _scalar(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def parse_openapi(text: str, rel: str, facts: Facts) -> list[Route]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        facts.problem(rel, f"OpenAPI document does not parse: {getattr(exc, 'problem', None) or type(exc).__name__}",
                      line=mark.line + 1 if mark is not None else None)
        return []
    top = {_scalar(k): v for k, v in _mapping_items(root)} if root is not None else {}
    if "openapi" not in top and "swagger" not in top:
        return []  # a file named like one that is something else
    routes: list[Route] = []
    for path_key, operations in _mapping_items(top.get("paths")):  # type: ignore[arg-type]
        path = _scalar(path_key)
        if path is None:
            continue
        for method_key, operation in _mapping_items(operations):
            method = (_scalar(method_key) or "").lower()
            if method not in _METHODS:
                continue  # parameters, summary, x-extensions
            operation_id = next((_scalar(v) for k, v in _mapping_items(operation) if _scalar(k) == "operationId"), None)
            routes.append(Route(method=method.upper(), path=path, handler=operation_id, framework="openapi",
                                source=Source(path=rel, line=method_key.start_mark.line + 1)))
    return routes
