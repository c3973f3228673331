"""FastAPI and Flask routes, with router prefixes applied across files.

Each Python file yields a small summary (its apps/routers, decorated routes,
include_router/register_blueprint calls, imports); prefixes are resolved once
the walk is over, because a router is usually defined in one file and mounted
in another (`app.include_router(users.router, prefix="/api/v1")`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from agentspec.repo.context import Route, Source
from agentspec.repo.hints import Hint
from agentspec.repo.pyast import PyIndex, const_str, const_strs, dotted, keyword, module_name, single_assignment
from agentspec.repo.route_graph import Mount, RouteGraph, join_paths

# Cheap byte-level test run before walking a Python tree for routes.
PY_HINT = Hint(
    # APIRouter/Blueprint come with a fastapi/flask import; the mount calls may not
    # (`from app.main import app`).
    words=(b"fastapi", b"flask", b"include_router", b"register_blueprint", b"add_url_rule", b"add_api_route"),
    # `@app.get(...)` on an app imported from another module: no framework name in this file.
    patterns=(re.compile(rb"@[ \t]*[\w.]+\.(?:get|post|put|patch|delete|head|options|trace|route|api_route)\s*\("),),
    gate=(b"@",))
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options", "head", "trace")

# Constructor (last dotted part) -> (framework, prefix keyword).
_ROUTER_FACTORIES = {
    "FastAPI": ("fastapi", None),
    "APIRouter": ("fastapi", "prefix"),
    "Flask": ("flask", None),
    "Blueprint": ("flask", "url_prefix"),
}

Key = tuple[str, str]  # (module, variable)


@dataclass
class _RouteDecl:
    owner: str  # the decorator's receiver as written: "router", "users.bp"
    method: str
    path: str
    handler: str | None
    line: int


@dataclass
class _MountDecl:
    parent: str
    child: str
    prefix: str | None
    replaces_own: bool
    line: int
    prefix_name: str | None = None  # `settings.API_V1_STR`: the name, resolved across files


@dataclass
class PyRouteFile:
    rel: str
    module: str
    imports: dict[str, str] = field(default_factory=dict)  # local name -> absolute dotted target
    routers: dict[str, tuple[str, str]] = field(default_factory=dict)  # var -> (framework, own prefix)
    routes: list[_RouteDecl] = field(default_factory=list)
    mounts: list[_MountDecl] = field(default_factory=list)
    framework_hint: str | None = None  # from imports, for routes whose router we cannot resolve


def summarize_python_routes(index: PyIndex, rel: str) -> PyRouteFile | None:
    summary = PyRouteFile(rel=rel, module=module_name(rel))
    summary.imports = _imports(index, summary.module, rel.endswith("__init__.py"))
    roots = {target.split(".")[0] for target in summary.imports.values()}
    summary.framework_hint = "fastapi" if "fastapi" in roots else "flask" if "flask" in roots else None
    _find_routers(index, summary)
    for function in index.functions:
        for decorator in function.decorator_list:
            summary.routes.extend(_routes_from_decorator(decorator, function.name))
    for call in index.statement_calls:
        _from_call(call, summary)
    if not (summary.routers or summary.routes or summary.mounts):
        return None
    return summary


def _imports(index: PyIndex, module: str, is_package: bool) -> dict[str, str]:
    imports: dict[str, str] = {}
    package = module if is_package else module.rpartition(".")[0]
    for node in index.imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    imports[head] = head
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".") if package else []
            parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
            base = ".".join(p for p in [*parts, base] if p)
        for alias in node.names:
            if alias.name != "*":
                imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return imports


def _find_routers(index: PyIndex, summary: PyRouteFile) -> None:
    for node in index.assigns:
        assigned = single_assignment(node)
        if assigned is None:
            continue
        target, value = assigned
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Call):
            continue
        factory = (dotted(value.func) or "").rsplit(".", 1)[-1]
        if factory not in _ROUTER_FACTORIES:
            continue
        framework, prefix_kw = _ROUTER_FACTORIES[factory]
        prefix = const_str(keyword(value, prefix_kw)) if prefix_kw else None
        summary.routers[target.id] = (framework, prefix or "")


# A name given a path-like string (`API_V1_STR: str = "/api/v1"` in a settings class): the
# scanner parses such a file, so a mount whose prefix is `settings.API_V1_STR` resolves.
PATH_CONSTANT_HINT = re.compile(rb"""^[ \t]*[A-Za-z_]\w*(?:[ \t]*:[ \t]*[\w\[\]. ]+)?[ \t]*=[ \t]*["']/[\w/.{}-]*["']""", re.M)


def path_constants(tree: ast.AST) -> dict[str, str]:
    """Names given a path-like string anywhere in the module, class bodies included."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        assigned = single_assignment(node)
        if assigned is None:
            continue
        target, value = assigned
        text = const_str(value)
        if isinstance(target, ast.Name) and text is not None and text.startswith("/") and " " not in text:
            found[target.id] = text
    return found


def _named(node: ast.expr | None) -> str | None:
    """`settings.API_V1_STR` -> "API_V1_STR"; `PREFIX` -> "PREFIX"; anything else None."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _routes_from_decorator(decorator: ast.expr, handler: str) -> list[_RouteDecl]:
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return []
    owner = dotted(decorator.func.value)
    verb = decorator.func.attr
    if owner is None:
        return []
    path = const_str(decorator.args[0]) if decorator.args else const_str(keyword(decorator, "path"))
    if path is None:
        path = const_str(keyword(decorator, "rule"))
    if path is None:
        return []
    if verb in HTTP_METHODS:
        methods = [verb.upper()]
    elif verb in ("route", "api_route"):
        # Flask's and FastAPI's default is GET only.
        methods = [m.upper() for m in const_strs(keyword(decorator, "methods"))] or ["GET"]
    else:
        return []
    return [_RouteDecl(owner=owner, method=m, path=path, handler=handler, line=decorator.lineno) for m in methods]


def _from_call(call: ast.Call, summary: PyRouteFile) -> None:
    if not isinstance(call.func, ast.Attribute):
        return
    parent = dotted(call.func.value)
    method = call.func.attr
    if parent is None:
        return
    if method in ("include_router", "register_blueprint") and call.args:
        child = dotted(call.args[0])
        if child is None:
            return
        prefix_kw = "prefix" if method == "include_router" else "url_prefix"
        written = keyword(call, prefix_kw)
        summary.mounts.append(_MountDecl(parent=parent, child=child, prefix=const_str(written),
                                         replaces_own=method == "register_blueprint", line=call.lineno,
                                         prefix_name=_named(written)))
    elif method == "mount" and len(call.args) >= 2:
        child = dotted(call.args[1])
        if child is not None:
            summary.mounts.append(_MountDecl(parent=parent, child=child, prefix=const_str(call.args[0]),
                                             replaces_own=False, line=call.lineno))
    elif method in ("add_api_route", "add_url_rule") and call.args:
        path = const_str(call.args[0])
        if path is None:
            return
        view = keyword(call, "endpoint" if method == "add_api_route" else "view_func")
        if view is None and method == "add_api_route" and len(call.args) > 1:
            view = call.args[1]
        handler = dotted(view)
        if isinstance(view, ast.Call):  # Flask: SomeView.as_view("name")
            handler = dotted(view.func)
        methods = [m.upper() for m in const_strs(keyword(call, "methods"))] or ["GET"]
        summary.routes.extend(_RouteDecl(owner=parent, method=m, path=path, handler=handler, line=call.lineno)
                              for m in methods)


class _ModuleIndex:
    """Finds a module by dotted name, tolerating source roots (src/app/x.py is `app.x`)."""

    def __init__(self, files: list[PyRouteFile]) -> None:
        self.by_module = {f.module: f for f in files}

    def find(self, module: str) -> PyRouteFile | None:
        if module in self.by_module:
            return self.by_module[module]
        suffix = "." + module
        matches = sorted((m for m in self.by_module if m.endswith(suffix)), key=len)
        return self.by_module[matches[0]] if matches else None


def _resolve(expr: str, file: PyRouteFile, modules: _ModuleIndex) -> Key | None:
    """The (module, var) an expression like `router` or `users.router` refers to."""
    if expr in file.routers:
        return (file.module, expr)
    head, _, rest = expr.partition(".")
    target = file.imports.get(head)
    if target is None:
        return None
    full = f"{target}.{rest}" if rest else target
    module, _, var = full.rpartition(".")
    owner = modules.find(module) if module else None
    if owner is not None and var in owner.routers:
        return (owner.module, var)
    return None


def _unambiguous(constants: list[dict[str, str]]) -> dict[str, str]:
    """Each name that is given one path-like value in the whole repository (a name with two
    values, one per environment say, is not guessed)."""
    values: dict[str, set[str]] = {}
    for found in constants:
        for name, value in found.items():
            values.setdefault(name, set()).add(value)
    return {name: next(iter(found)) for name, found in values.items() if len(found) == 1}


def resolve_python_routes(files: list[PyRouteFile], constants: list[dict[str, str]] | None = None) -> list[Route]:
    modules = _ModuleIndex(files)
    own_prefix: dict[tuple[str, str], str] = {}
    frameworks: dict[tuple[str, str], str] = {}
    for f in files:
        for var, (framework, prefix) in f.routers.items():
            own_prefix[(f.module, var)] = prefix
            frameworks[(f.module, var)] = framework
    mounts: list[Mount] = []
    named = _unambiguous(constants or [])
    for f in files:
        for mount in f.mounts:
            parent, child = _resolve(mount.parent, f, modules), _resolve(mount.child, f, modules)
            prefix = mount.prefix if mount.prefix is not None else named.get(mount.prefix_name or "")
            if parent is not None and child is not None:
                mounts.append(Mount(parent=parent, child=child, prefix=prefix, replaces_own=mount.replaces_own))
    graph = RouteGraph(own_prefix, mounts)  # type: ignore[arg-type]
    routes: list[Route] = []
    for f in files:
        for decl in f.routes:
            key = _resolve(decl.owner, f, modules)
            if key is not None:
                framework = frameworks[key]
                prefixes = graph.prefixes(key)
            elif f.framework_hint is not None:
                framework, prefixes = f.framework_hint, [""]
            else:
                continue  # `@cache.get("/x")` in a file that imports no web framework
            for prefix in prefixes:
                routes.append(Route(method=decl.method, path=join_paths(prefix, decl.path), handler=decl.handler,
                                    framework=framework,  # type: ignore[arg-type]
                                    source=Source(path=f.rel, line=decl.line)))
    return routes
