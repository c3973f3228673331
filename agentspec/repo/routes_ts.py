"""Express and NestJS routes from TypeScript/JavaScript files.

Express: `app.get('/x', h)`, `router.route('/x').get(h)`, and mounts
`app.use('/api', router)` where the router is defined in the same file or
imported from a relative module (ESM import or require, default or named
export). Prefixes are resolved after the walk, like the Python side.

NestJS: `@Controller('users')` classes with `@Get(':id')` methods; a global
prefix from `app.setGlobalPrefix('api')` applies to every controller.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from agentspec.repo.context import Route, Source
from agentspec.repo.hints import Hint
from agentspec.repo.route_graph import Mount, RouteGraph, join_paths
from agentspec.repo.tsast import Node, TsParse, call_parts, line, object_string_property, string_value, text

# Cheap byte-level test run before parsing a file for routes: a path literal as
# first argument of a route method, a mount, a router/app factory, or a Nest controller.
HINT = Hint(
    words=(b"Router", b"express", b"@Controller", b"setGlobalPrefix", b".use("),
    patterns=(re.compile(rb"\.(?:get|post|put|patch|delete|options|head|all|route)\s*\(\s*['\"`][/*]"),),
    gate=(b".get", b".post", b".put", b".patch", b".delete", b".options", b".head", b".all", b".route"))
EXPRESS_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "all"})
NEST_METHODS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE",
                "Options": "OPTIONS", "Head": "HEAD", "All": "ALL"}
# Receivers that are Express apps/routers by convention, when we cannot see their definition
# (e.g. `export default (router) => { router.get(...) }`).
_ROUTER_NAME = re.compile(r"^(app|server|api|router|routes|\w*Router|\w*_router)$")
_SOURCE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")

Key = tuple[str, str]  # (file, variable)


@dataclass
class _ExpressRoute:
    receiver: str
    method: str
    path: str
    handler: str | None
    line: int


@dataclass
class _ExpressMount:
    receiver: str
    prefix: str | None
    child_name: str | None  # a local identifier...
    child_module: str | None  # ...or an inline require('./x')
    line: int


@dataclass
class TsRouteFile:
    rel: str
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (module spec, export name)
    routers: dict[str, str] = field(default_factory=dict)  # var -> "app" | "router"
    exports: dict[str, str] = field(default_factory=dict)  # exported name ("default" too) -> local var
    routes: list[_ExpressRoute] = field(default_factory=list)
    mounts: list[_ExpressMount] = field(default_factory=list)
    nest_routes: list[Route] = field(default_factory=list)  # path without the global prefix
    global_prefix: str | None = None


def module_specs(parsed: TsParse) -> list[tuple[str, int]]:
    """Every module a file imports or requires, with the line: for client detection."""
    specs: list[tuple[str, int]] = []
    for node in parsed.nodes("import"):
        source = string_value(node.child_by_field_name("source"))
        if source:
            specs.append((source, line(node)))
    for node in parsed.nodes("call"):
        function = node.child_by_field_name("function")
        if function is None:
            continue
        if function.type == "import" or (function.type == "identifier" and text(function) == "require"):
            _, _, args = call_parts(node)
            spec = string_value(args[0]) if args else None
            if spec:
                specs.append((spec, line(node)))
    return specs


def summarize_ts_routes(parsed: TsParse, rel: str) -> TsRouteFile | None:
    summary = TsRouteFile(rel=rel)
    _imports_and_routers(parsed, summary)
    _exports(parsed, summary)
    for call in parsed.nodes("call"):
        _express_call(call, summary)
    for cls in parsed.nodes("class"):
        summary.nest_routes.extend(_nest_controller(cls, rel))
    if not (summary.routers or summary.routes or summary.mounts or summary.nest_routes or summary.global_prefix):
        return None
    return summary


def _imports_and_routers(parsed: TsParse, summary: TsRouteFile) -> None:
    for node in parsed.nodes("import"):
        spec = string_value(node.child_by_field_name("source"))
        if not spec:
            continue
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                summary.imports[text(part)] = (spec, "default")
            elif part.type == "named_imports":
                for specifier in part.named_children:
                    if specifier.type != "import_specifier":
                        continue
                    name = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias")
                    summary.imports[text(alias or name)] = (spec, text(name))
    for node in parsed.nodes("declarator"):
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None or value is None:
            continue
        if value.type == "await_expression" and value.named_children:
            value = value.named_children[0]
        if value.type == "call_expression":
            _, function_name, args = call_parts(value)
            function = value.child_by_field_name("function")
            if function_name == "require" and function is not None and function.type == "identifier" and args:
                spec = string_value(args[0])
                if spec:
                    _bind_require(name, spec, summary)
                continue
            callee = text(function)
            if name.type == "identifier" and callee == "express":
                summary.routers[text(name)] = "app"
            elif name.type == "identifier" and (callee == "Router" or callee.endswith(".Router")):
                summary.routers[text(name)] = "router"


def _bind_require(name: Node, spec: str, summary: TsRouteFile) -> None:
    if name.type == "identifier":
        summary.imports[text(name)] = (spec, "default")
    elif name.type == "object_pattern":
        for part in name.named_children:
            if part.type == "shorthand_property_identifier_pattern":
                summary.imports[text(part)] = (spec, text(part))
            elif part.type == "pair_pattern":
                key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
                if key is not None and value is not None and value.type == "identifier":
                    summary.imports[text(value)] = (spec, text(key))


def _exports(parsed: TsParse, summary: TsRouteFile) -> None:
    for node in parsed.nodes("export"):
        is_default = any(c.type == "default" for c in node.children)
        value = node.child_by_field_name("value")
        declaration = node.child_by_field_name("declaration")
        if is_default and value is not None and value.type == "identifier":
            summary.exports["default"] = text(value)
        elif declaration is not None and declaration.type in ("lexical_declaration", "variable_declaration"):
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                if declarator.type == "variable_declarator" and name is not None and name.type == "identifier":
                    summary.exports[text(name)] = text(name)
        for clause in (c for c in node.named_children if c.type == "export_clause"):
            for specifier in clause.named_children:
                name = specifier.child_by_field_name("name")
                alias = specifier.child_by_field_name("alias")
                if name is not None:
                    summary.exports[text(alias or name)] = text(name)
    for node in parsed.nodes("assign"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        target = text(left)
        if right is None:
            continue
        # CommonJS: `module.exports = router` is what `require()` (and a default import) returns.
        if target == "module.exports":
            if right.type == "identifier":
                summary.exports["default"] = text(right)
            elif right.type == "object":
                for prop in right.named_children:
                    if prop.type == "shorthand_property_identifier":
                        summary.exports[text(prop)] = text(prop)
                    elif prop.type == "pair":
                        key, value = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                        if key is not None and value is not None and value.type == "identifier":
                            summary.exports[text(key)] = text(value)
        elif (target.startswith("module.exports.") or target.startswith("exports.")) and right.type == "identifier":
            summary.exports[target.rsplit(".", 1)[-1]] = text(right)


def _handler_name(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type in ("identifier", "member_expression"):
        return text(node)
    if node.type in ("function_expression", "function"):
        name = node.child_by_field_name("name")  # router.get('/x', function ping() {...})
        return text(name) if name is not None else None
    if node.type == "call_expression":
        # asyncHandler(controller.list) or controller.list.bind(controller)
        function = node.child_by_field_name("function")
        if function is not None and function.type == "member_expression" and text(
                function.child_by_field_name("property")) == "bind":
            return _handler_name(function.child_by_field_name("object"))
        _, _, args = call_parts(node)
        return _handler_name(args[0]) if args else None
    return None  # inline function: anonymous


def _route_chain(node: Node | None) -> tuple[str, str] | None:
    """For `router.route('/x').get(h).post(h2)`: ("router", "/x")."""
    while node is not None and node.type == "call_expression":
        receiver, name, args = call_parts(node)
        if name == "route" and receiver is not None and receiver.type == "identifier" and args:
            path = string_value(args[0])
            return (text(receiver), path) if path is not None else None
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return None
        node = function.child_by_field_name("object")
    return None


def _express_call(call: Node, summary: TsRouteFile) -> None:
    receiver, name, args = call_parts(call)
    if receiver is None or name is None:
        return
    if name == "setGlobalPrefix" and args:
        summary.global_prefix = string_value(args[0])
        return
    if name == "use" and receiver.type == "identifier":
        prefix = string_value(args[0]) if args else None
        for arg in args[1:] if prefix is not None else args:
            if arg.type == "identifier":
                summary.mounts.append(_ExpressMount(receiver=text(receiver), prefix=prefix, child_name=text(arg),
                                                    child_module=None, line=line(call)))
            elif arg.type == "call_expression":
                _, inner, inner_args = call_parts(arg)
                spec = string_value(inner_args[0]) if inner == "require" and inner_args else None
                if spec:
                    summary.mounts.append(_ExpressMount(receiver=text(receiver), prefix=prefix, child_name=None,
                                                        child_module=spec, line=line(call)))
        return
    if name not in EXPRESS_METHODS:
        return
    if receiver.type == "identifier":
        if len(args) < 2:
            return  # app.get('setting') reads a setting; a route needs a handler
        path = string_value(args[0])
        if path is None or not (path.startswith("/") or path == "*"):
            return
        summary.routes.append(_ExpressRoute(receiver=text(receiver), method=name.upper(), path=path,
                                            handler=_handler_name(args[-1]), line=line(call)))
    elif receiver.type == "call_expression":
        chain = _route_chain(receiver)
        if chain is not None and args:
            # Cite the `.get(...)` of the chain, not the line where the chain starts.
            function = call.child_by_field_name("function")
            prop = function.child_by_field_name("property") if function is not None else None
            summary.routes.append(_ExpressRoute(receiver=chain[0], method=name.upper(), path=chain[1],
                                                handler=_handler_name(args[-1]),
                                                line=line(prop) if prop is not None else line(call)))


def _decorators(cls: Node) -> list[Node]:
    found = [c for c in cls.children if c.type == "decorator"]
    # `@Controller() export class X` puts the decorator on the export statement.
    if cls.parent is not None and cls.parent.type == "export_statement":
        found += [c for c in cls.parent.children if c.type == "decorator"]
    return found


def _decorator_call(decorator: Node) -> tuple[str, list[Node]] | None:
    call = next((c for c in decorator.named_children if c.type == "call_expression"), None)
    if call is None:
        ident = next((c for c in decorator.named_children if c.type == "identifier"), None)
        return (text(ident), []) if ident is not None else None
    _, name, args = call_parts(call)
    return (name, args) if name else None


def _paths_argument(args: list[Node]) -> list[str]:
    if not args:
        return [""]
    first = args[0]
    if first.type == "array":
        return [s for s in (string_value(v) for v in first.named_children) if s is not None] or [""]
    if first.type == "object":
        return object_string_property(first, "path") or [""]
    value = string_value(first)
    return [value] if value is not None else [""]


def _nest_controller(cls: Node, rel: str) -> list[Route]:
    prefixes: list[str] | None = None
    for decorator in _decorators(cls):
        parsed = _decorator_call(decorator)
        if parsed and parsed[0] == "Controller":
            prefixes = _paths_argument(parsed[1])
    if prefixes is None:
        return []
    class_name = text(cls.child_by_field_name("name"))
    body = cls.child_by_field_name("body")
    routes: list[Route] = []
    pending: list[Node] = []
    for member in body.named_children if body is not None else []:
        if member.type == "decorator":
            pending.append(member)
            continue
        if member.type == "method_definition":
            method_name = text(member.child_by_field_name("name"))
            for decorator in pending + [c for c in member.children if c.type == "decorator"]:
                parsed = _decorator_call(decorator)
                if not parsed or parsed[0] not in NEST_METHODS:
                    continue
                for prefix in prefixes:
                    for path in _paths_argument(parsed[1]):
                        routes.append(Route(method=NEST_METHODS[parsed[0]], path=join_paths(prefix, path),
                                            handler=f"{class_name}.{method_name}", framework="nestjs",
                                            source=Source(path=rel, line=line(decorator))))
        pending = []
    return routes


def _resolve_module(from_rel: str, spec: str, known: set[str]) -> str | None:
    if not spec.startswith("."):
        return None  # a package: not part of this repository's routes
    base = posixpath.normpath(posixpath.join(posixpath.dirname(from_rel), spec))
    stem = base
    for suffix in (".js", ".mjs", ".cjs", ".jsx"):
        if base.endswith(suffix):  # ESM TypeScript imports './x.js' for x.ts
            stem = base[: -len(suffix)]
    candidates = [base] + [stem + s for s in _SOURCE_SUFFIXES] + [f"{base}/index{s}" for s in _SOURCE_SUFFIXES]
    return next((c for c in candidates if c in known), None)


def _resolve(name: str | None, module: str | None, file: TsRouteFile, files: dict[str, TsRouteFile],
             known: set[str]) -> Key | None:
    if name is not None and name in file.routers:
        return (file.rel, name)
    if name is not None and name in file.imports:
        module, export = file.imports[name]
    elif module is not None:
        export = "default"
    else:
        return None
    target_rel = _resolve_module(file.rel, module, known)
    target = files.get(target_rel) if target_rel else None
    if target is None:
        return None
    local = target.exports.get(export)
    if local is None and export == "default":
        local = target.exports.get("module.exports")
    if local is not None and local in target.routers:
        return (target.rel, local)
    return None


def _express_join(prefix: str, path: str) -> str:
    full = join_paths(prefix, path)
    # Express serves router.get('/') under '/api' at '/api'.
    return full.rstrip("/") if len(full) > 1 and path in ("/", "") else full


def resolve_ts_routes(files: list[TsRouteFile]) -> list[Route]:
    by_rel = {f.rel: f for f in files}
    known = set(by_rel)
    own_prefix: dict[Key, str] = {}
    mounts: list[Mount] = []
    for f in files:
        for mount in f.mounts:
            parent = _resolve(mount.receiver, None, f, by_rel, known)
            child = _resolve(mount.child_name, mount.child_module, f, by_rel, known)
            if parent is not None and child is not None:
                mounts.append(Mount(parent=parent, child=child, prefix=mount.prefix))
    graph = RouteGraph(own_prefix, mounts)  # type: ignore[arg-type]
    routes: list[Route] = []
    for f in files:
        for decl in f.routes:
            key = _resolve(decl.receiver, None, f, by_rel, known)
            if key is None and not _ROUTER_NAME.match(decl.receiver):
                continue
            for prefix in graph.prefixes(key) if key is not None else [""]:
                routes.append(Route(method=decl.method, path=_express_join(prefix, decl.path), handler=decl.handler,
                                    framework="express", source=Source(path=f.rel, line=decl.line)))
    global_prefix = next((f.global_prefix for f in sorted(files, key=lambda f: f.rel) if f.global_prefix), None)
    for f in files:
        for route in f.nest_routes:
            if global_prefix:
                route = route.model_copy(update={"path": join_paths(global_prefix, route.path)})
            routes.append(route)
    return routes
