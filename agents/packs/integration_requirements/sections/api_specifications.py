"""## API Integration Specifications: REST client, GraphQL and WebSocket
(implementation-specialist).

The model names the client, its methods (each one of backend_integration's
endpoints), the response types, and the GraphQL operations and WebSocket
messages when they apply. Code renders a typed fetch client class, `gql`
documents and a reconnecting WebSocket class from that data; a transport the
feature does not use renders as a one-line note, never as an empty client."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import ts_value
from agentspec.section import RenderContext, SectionModel, ShortText, items, snake_case
from agentspec.agents.http_api import PATH_PARAM, ApiPath, HttpMethod, camel_slip

from ._headings import headings_of

# 63, not 40: names derived from a spine path (getErasureRequestAnonymizationsByAnonymizationId) run long.
CamelName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][A-Za-z0-9]{1,63}$"), BeforeValidator(camel_slip)]


def _unqualified(name: object) -> object:
    """`SyncApiClient.SyncStatus` -> `SyncStatus`: a type qualified by its client or
    namespace names the same declared type (measured on a recorded draft)."""
    if isinstance(name, str) and re.fullmatch(r"\s*[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+(\[\])?\s*", name):
        return name.strip().rsplit(".", 1)[1]
    return name


OPEN_OBJECT = "Record<string, unknown>"
# Other languages' names for the same TypeScript type: one meaning, so mapped, not re-asked.
_TS_ALIASES = {
    **dict.fromkeys(("int", "integer", "float", "double", "decimal", "long", "bigint", "int64", "int32"), "number"),
    **dict.fromkeys(("str", "text", "uuid", "date", "datetime", "timestamp", "email", "url"), "string"),
    "bool": "boolean",
    **dict.fromkeys(("object", "any", "json", "jsonb", "dict", "map", "record", "unknown"), OPEN_OBJECT),
    # A list whose items the answer did not type (ninth-pass Stripe: `type: array` lost the section).
    **dict.fromkeys(("array", "list"), OPEN_OBJECT + "[]"),
}


def _ts_alias(name: object) -> object:
    """`integer` -> `number`, `object[]` -> `Record<string, unknown>[]` (see _TS_ALIASES)."""
    if not isinstance(name, str):
        return name
    m = re.fullmatch(r"\s*([A-Za-z0-9]+)(\[\])?\s*", name)
    if m and m.group(1).lower() in _TS_ALIASES and m.group(1) == m.group(1).lower():
        mapped = _TS_ALIASES[m.group(1)]
        return mapped if mapped.endswith("[]") else mapped + (m.group(2) or "")
    return name


PascalName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z][A-Za-z0-9]{1,63}$"), BeforeValidator(_unqualified)]
TsType = Annotated[str, StringConstraints(strip_whitespace=True,
                                          pattern=r"^(string|number|boolean|void|Record<string, unknown>|[A-Z][A-Za-z0-9]{1,63})(\[\])?$"),
                   BeforeValidator(_unqualified), BeforeValidator(_ts_alias)]
GqlType = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\[[A-Z][A-Za-z0-9]*!?\]|[A-Z][A-Za-z0-9]*)!?$")]
BaseUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120, pattern=r"^https?://[a-z0-9.-]+(:[0-9]{2,5})?$")]
WssUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=160, pattern=r"^wss?://[a-z0-9.-]+(:[0-9]{2,5})?(/[A-Za-z0-9._~-]+)*/?$")]
# `stripe-invoice.sync-status`, `DeleteDeletionRequest`: the same type in another spelling
# (both seventh-pass recordings lost the section to one of these, the re-asks included).
MessageType = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*){0,3}$"),
                        BeforeValidator(snake_case)]

# Words that cannot name a parameter, or that clash with the generated code.
JS_RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends false finally
    for function if import in instanceof new null return super switch this throw true try typeof var void while
    with yield let static implements interface package private protected public await arguments eval""".split()
)
DEFAULT_RECONNECT_DELAY_MS = 1000  # a common client default (socket.io starts at 1 s)
_CLIENT_MEMBERS = {"constructor", "headers", "baseUrl", "getToken"}
_LOCALS = {"response", "query"}
_BUILTIN_TYPES = {"string", "number", "boolean", "void", OPEN_OBJECT}
_GLOBAL_TYPES = {"Promise", "Record", "HeadersInit", "Response", "Request", "Error", "Date", "Array", "Object", "String",
                 "Number", "Boolean", "Map", "Set", "WebSocket", "MessageEvent", "Event", "JSON", "URLSearchParams"}


class InterfaceField(SectionModel):
    name: CamelName = Field(description="camelCase field")
    type: TsType = Field(description="string, number, boolean, a declared type name, or one of these with []")
    optional: bool = False


class Interface(SectionModel):
    name: PascalName = Field(description="PascalCase response or input type, named after this feature's own entity")
    fields: items(InterfaceField, 1, 8)


class Param(SectionModel):
    name: CamelName = Field(description="camelCase; a path param has the :name of the path")
    type: TsType = Field(description="string, number, boolean, a declared type, or one of these with []")
    location: Literal["path", "query", "body"] = Field(description="path for each :param in the path")
    required: bool = True


class RestMethod(SectionModel):
    name: CamelName = Field(description="camelCase client method: a verb plus this feature's resource")
    http_method: HttpMethod
    path: ApiPath = Field(description="exactly one backend_integration endpoint path, copied character for character")
    params: items(Param, 0, 4) = Field(default_factory=list)
    returns: TsType = Field(description="void, a declared type, or a declared type with []")

    @model_validator(mode="after")
    def _declare_path_params(self) -> "RestMethod":
        """A `:name` segment the model forgot to list has one meaning: a required
        path parameter of that name (ids in paths are strings). One it listed under
        the wrong location is the same parameter. Small models drop these often;
        asking again costs a whole redraft for a fact the path already states."""
        in_path = PATH_PARAM.findall(self.path)
        by_name = {p.name: p for p in self.params}
        for name in in_path:
            param = by_name.get(name)
            if param is None:
                self.params.append(Param(name=name, type="string", location="path"))
            elif param.location != "path":
                param.location, param.required = "path", True
        return self


class RestClient(SectionModel):
    class_name: PascalName = Field(description="PascalCase client class named after this feature, ending in ApiClient")
    base_url: BaseUrl = Field(description="origin of our own API only, on the company's own domain, no path (paths carry /api/v1)")
    types: items(Interface, 0, 3) = Field(default_factory=list, description="types the methods take or return")
    methods: items(RestMethod, 1, 5)

    @model_validator(mode="before")
    @classmethod
    def _origin_and_prefix(cls, data: object) -> object:
        """`https://api.acme.com/api/v1` with `/invoices` means the origin plus
        `/api/v1/invoices`: the same API, split where this schema splits it."""
        if not isinstance(data, dict) or not isinstance(data.get("base_url"), str):
            return data
        match = re.fullmatch(r"(https?://[^/\s?#]+)(/[^\s?#]*)?", data["base_url"].strip())
        if not match or not (match.group(2) or "").strip("/"):
            return data
        prefix = "/" + match.group(2).strip("/")
        methods = [
            {**m, "path": prefix + m["path"]}
            if isinstance(m, dict) and isinstance(m.get("path"), str) and m["path"].startswith("/")
            and not (m["path"] + "/").startswith(prefix + "/") else m
            for m in data.get("methods") or []
        ]
        return {**data, "base_url": match.group(1).lower(), "methods": methods}


class GqlArg(SectionModel):
    name: CamelName = Field(description="camelCase argument")
    type: GqlType = Field(description="GraphQL type: a scalar or declared type, ! for non-null, [T!] for lists")


class GqlOperation(SectionModel):
    name: CamelName = Field(description="camelCase root field, named after this feature's own entity")
    args: items(GqlArg, 0, 4) = Field(default_factory=list)
    fields: items(CamelName, 1, 8) = Field(description="scalar fields selected from the result")


def _unused_left_empty(fields: tuple[str, ...]) -> Any:
    """A transport the model marks not applicable keeps no content: what it listed
    anyway is never rendered, and a slip in it (a kebab-case message type in an unused
    socket, seventh-pass recordings) must not fail the section."""

    def drop(data: object) -> object:
        if isinstance(data, dict) and data.get("applicable") is False:
            return {key: value for key, value in data.items() if key not in fields}
        return data

    return model_validator(mode="before")(staticmethod(drop))  # type: ignore[arg-type]


class GraphQLSpec(SectionModel):
    applicable: bool = Field(description="false unless the feature exposes or calls a GraphQL API")
    reason: ShortText | None = Field(None, description="when not applicable: why, in one line")
    queries: items(GqlOperation, 0, 3) = Field(default_factory=list)
    mutations: items(GqlOperation, 0, 3) = Field(default_factory=list)
    subscriptions: items(GqlOperation, 0, 2) = Field(default_factory=list)

    _unused = _unused_left_empty(("queries", "mutations", "subscriptions"))


class WsMessage(SectionModel):
    type: MessageType = Field(description="message type, dotted lowercase entity.action for this feature's own entities")
    description: ShortText = Field(description="what the client does with it")


class WebSocketSpec(SectionModel):
    applicable: bool = Field(description="false unless the feature pushes real-time updates over WebSocket")
    reason: ShortText | None = Field(None, description="when not applicable: why, in one line")
    class_name: PascalName | None = Field(None, description="PascalCase client class named after this feature, ending in Socket")
    url: WssUrl | None = Field(None, description="wss:// URL on the same host as the REST base_url, path /ws/ plus this feature's resource")
    messages: items(WsMessage, 0, 5) = Field(default_factory=list)
    max_reconnect_attempts: int = Field(5, ge=0, le=20)
    reconnect_delay_ms: int = Field(DEFAULT_RECONNECT_DELAY_MS, ge=100, le=60_000)

    _unused = _unused_left_empty(("class_name", "url", "messages", "max_reconnect_attempts", "reconnect_delay_ms"))

    @field_validator("reconnect_delay_ms", mode="before")
    @classmethod
    def _unset_delay(cls, value: object) -> object:
        """0 is how small models leave a number unset (often with applicable=false);
        an immediate reconnect loop is never the design, so 0 means the default."""
        return DEFAULT_RECONNECT_DELAY_MS if value in (0, None) else value


class ApiSpecifications(SectionModel):
    rest: RestClient
    graphql: GraphQLSpec
    websocket: WebSocketSpec

    @model_validator(mode="after")
    def _consistent(self) -> "ApiSpecifications":
        declared = _check_types(self.rest)
        _check_methods(self.rest, declared)
        _check_graphql(self.graphql)
        _check_websocket(self.websocket, taken={self.rest.class_name, *declared})
        return self


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value.lower() in seen:
            raise ValueError(f"duplicate {what} {value!r}; names must be unique")
        seen.add(value.lower())


def _base(type_name: str) -> str:
    return type_name[:-2] if type_name.endswith("[]") else type_name


def _check_types(rest: RestClient) -> set[str]:
    names = [t.name for t in rest.types]
    _unique(names, "type")
    declared = set(names)
    for name in names:
        if name == rest.class_name or name in _GLOBAL_TYPES:
            raise ValueError(f"type name {name!r} clashes with the client class or a built-in type; rename it")
    for t in rest.types:
        _unique([f.name for f in t.fields], f"field of {t.name}")
        for f in t.fields:
            base = _base(f.type)
            if base == "void":
                raise ValueError(f"field {t.name}.{f.name} cannot be void")
            if base not in _BUILTIN_TYPES and base not in declared:
                raise ValueError(f"field {t.name}.{f.name} has undeclared type {f.type!r}; declare it in types or use string/number/boolean")
    return declared


def _check_methods(rest: RestClient, declared: set[str]) -> None:
    _unique([m.name for m in rest.methods], "method")
    routes: set[tuple[str, str]] = set()
    for m in rest.methods:
        if m.name in _CLIENT_MEMBERS:
            raise ValueError(f"method name {m.name!r} clashes with the client's own members; rename it")
        if (m.http_method, m.path) in routes:
            raise ValueError(f"two methods call {m.http_method} {m.path}; each endpoint gets one method")
        routes.add((m.http_method, m.path))
        _unique([p.name for p in m.params], f"parameter of {m.name}")
        for p in m.params:
            if p.name in JS_RESERVED or p.name in _LOCALS:
                raise ValueError(f"parameter name {p.name!r} of {m.name} is reserved or clashes with generated code; rename it")
            base = _base(p.type)
            if base == "void":
                raise ValueError(f"parameter {m.name}.{p.name} cannot be void")
            if base not in _BUILTIN_TYPES and base not in declared:
                raise ValueError(f"parameter {m.name}.{p.name} has undeclared type {p.type!r}; declare it in types")
        # Missing ones were declared by RestMethod._declare_path_params; extras have no one fix.
        path_params = set(PATH_PARAM.findall(m.path))
        extra = sorted({p.name for p in m.params if p.location == "path"} - path_params)
        if extra:
            raise ValueError(
                f"{m.name}: path parameters must match the path {m.path}; {extra} are not in the path (use query or body)"
            )
        for p in m.params:
            if p.location == "path" and (not p.required or p.type not in {"string", "number"}):
                raise ValueError(f"path parameter {m.name}.{p.name} must be required and a string or number")
            if p.location == "body" and m.http_method in {"GET", "DELETE"}:
                raise ValueError(f"{m.name} is {m.http_method}, which sends no body; make {p.name} a query parameter")
        base = _base(m.returns)
        if base not in _BUILTIN_TYPES and base not in declared:
            # A name the answer never declared has no fields to render, so the call returns an open
            # object (an array of them for `T[]`): the ninth-pass gdpr section was lost, re-asks
            # included, to `getUserProfile(): UserProfile`. The typed shape is the hosted model's to give.
            m.returns = OPEN_OBJECT + ("[]" if m.returns.strip().endswith("[]") else "")
        named = response_named_after(m.name, declared)
        if named and base in declared and base != named and base.endswith("Response"):
            # A call that returns another call's response type (the recorded Stripe draft's
            # getAdminSyncStatus returned the webhook receiver's; the SFTP draft's history the
            # import's) is one slip with one meaning: it returns the type named after it.
            m.returns = named + ("[]" if m.returns.strip().endswith("[]") else "")
        if m.returns == "void[]":
            raise ValueError(f"{m.name} cannot return void[]")


_VERB = re.compile(r"^(?:get|list|fetch|find|load|read|create|add|update|set|delete|remove|post|put|patch|send|submit|search|retrieve)(?=[A-Z])")


def response_named_after(method: str, declared: set[str]) -> str | None:
    """The declared `<Operation>Response` type of a method (`getAdminSyncStatus` ->
    `AdminSyncStatusResponse`), if the answer declared one."""
    operation = _VERB.sub("", method)
    name = operation[:1].upper() + operation[1:] + "Response"
    return name if name in declared else None


def _check_graphql(spec: GraphQLSpec) -> None:
    operations = [*spec.queries, *spec.mutations, *spec.subscriptions]
    if not spec.applicable:
        if not spec.reason:
            raise ValueError("graphql is not applicable: give a one-line reason")
        return
    if not (spec.queries or spec.mutations):
        raise ValueError("graphql is applicable: list at least one query or mutation (or set applicable false with a reason)")
    _unique([_pascal(op.name) for op in operations], "GraphQL operation")
    for op in operations:
        _unique([a.name for a in op.args], f"argument of {op.name}")
        for arg in op.args:
            if re.search(r"\[[A-Z][A-Z0-9_]{2,}\]", arg.type):
                raise ValueError(f"argument {op.name}.{arg.name}: write the list type with a non-null element, e.g. {arg.type.replace(']', '!]')}")
        _unique(list(op.fields), f"field of {op.name}")


def _check_websocket(spec: WebSocketSpec, taken: set[str]) -> None:
    if not spec.applicable:
        if not spec.reason:
            raise ValueError("websocket is not applicable: give a one-line reason")
        return
    missing = [name for name, value in (("class_name", spec.class_name), ("url", spec.url)) if not value]
    if missing or not spec.messages:
        raise ValueError(f"websocket is applicable: set {missing + ([] if spec.messages else ['messages'])} (or applicable false with a reason)")
    assert spec.class_name is not None
    for name in (spec.class_name, spec.class_name + "Message"):
        if name in taken or name in _GLOBAL_TYPES:
            raise ValueError(f"websocket class_name {spec.class_name!r} clashes with the REST client or a declared type; rename it")
    _unique([m.type for m in spec.messages], "websocket message type")


MODEL = ApiSpecifications
HEADINGS = headings_of(__name__)
MAX_TOKENS = 2000


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _comment(text: str) -> str:
    return " ".join(text.split())


def _sentence(text: str) -> str:
    text = _comment(text)
    return text if text.endswith((".", "!", "?")) else text + "."


# --- REST -------------------------------------------------------------------------------


def _signature(m: RestMethod) -> str:
    ordered = sorted(m.params, key=lambda p: (not p.required, ("path", "body", "query").index(p.location)))
    return ", ".join(f"{p.name}{'' if p.required else '?'}: {p.type}" for p in ordered)


def _url(m: RestMethod) -> str:
    path = PATH_PARAM.sub(lambda g: "${encodeURIComponent(String(" + g.group(1) + "))}", m.path)
    query = "?${query.toString()}" if any(p.location == "query" for p in m.params) else ""
    return "`${this.baseUrl}" + path + query + "`"


def _method_code(m: RestMethod) -> str:
    lines = [f"  async {m.name}({_signature(m)}): Promise<{m.returns}> {{"]
    query = [p for p in m.params if p.location == "query"]
    if query:
        lines.append("    const query = new URLSearchParams();")
        for p in query:
            setter = f"query.set({ts_value(p.name)}, String({p.name}));"
            lines.append(f"    {setter}" if p.required else f"    if ({p.name} !== undefined) {setter}")
    options = [f"      method: {ts_value(m.http_method)}", "      headers: await this.headers()"]
    body = [p for p in m.params if p.location == "body"]
    if len(body) == 1 and _base(body[0].type) not in _BUILTIN_TYPES:
        options.append(f"      body: JSON.stringify({body[0].name})")
    elif body:
        options.append("      body: JSON.stringify({ " + ", ".join(p.name for p in body) + " })")
    lines += [
        f"    const response = await fetch({_url(m)}, {{",
        ",\n".join(options),
        "    });",
        "",
        "    if (!response.ok) {",
        f"      throw new Error(`{m.name} failed: ${{response.status}} ${{response.statusText}}`);",
        "    }",
    ]
    if m.returns != "void":
        lines += ["", f"    return (await response.json()) as {m.returns};"]
    lines.append("  }")
    return "\n".join(lines)


def rest_client(rest: RestClient) -> str:
    parts = ["// REST API integration client"]
    for t in rest.types:
        fields = "\n".join(f"  {f.name}{'?' if f.optional else ''}: {f.type};" for f in t.fields)
        parts.append(f"interface {t.name} {{\n{fields}\n}}\n")
    body = [
        f"class {rest.class_name} {{",
        f"  private baseUrl: string = {ts_value(rest.base_url)};",
        "",
        "  constructor(private readonly getToken: () => Promise<string>) {}",
        "",
        "  private async headers(): Promise<HeadersInit> {",
        "    return {",
        "      'Content-Type': 'application/json',",
        "      'Authorization': `Bearer ${await this.getToken()}`",
        "    };",
        "  }",
    ]
    for m in rest.methods:
        body += ["", _method_code(m)]
    body.append("}")
    parts.append("\n".join(body))
    return "\n".join(parts)


# --- GraphQL ------------------------------------------------------------------------------


def _gql_document(kind: str, op: GqlOperation) -> str:
    variables = f"({', '.join(f'${a.name}: {a.type}' for a in op.args)})" if op.args else ""
    call = f"({', '.join(f'{a.name}: ${a.name}' for a in op.args)})" if op.args else ""
    selection = "\n".join(f"          {f}" for f in op.fields)
    return "\n".join([
        f"{op.name}: gql`",
        f"      {kind} {_pascal(op.name)}{variables} {{",
        f"        {op.name}{call} {{",
        selection,
        "        }",
        "      }",
        "    `",
    ])


def graphql_client(spec: GraphQLSpec, rest: RestClient) -> str:
    name = rest.class_name[:1].lower() + rest.class_name[1:]
    name = re.sub(r"(Api)?Client$", "", name) + "Graphql"
    groups = []
    for key, kind, ops in (("queries", "query", spec.queries), ("mutations", "mutation", spec.mutations), ("subscriptions", "subscription", spec.subscriptions)):
        if ops:
            docs = ",\n".join("    " + _gql_document(kind, op) for op in ops)
            groups.append(f"  {key}: {{\n{docs}\n  }}")
        else:
            groups.append(f"  {key}: {{}}")
    return "\n".join([
        "// GraphQL integration",
        "import { gql } from '@apollo/client';",
        "",
        f"const {name} = {{",
        ",\n".join(groups),
        "};",
    ])


# --- WebSocket -------------------------------------------------------------------------------


def websocket_client(spec: WebSocketSpec) -> str:
    assert spec.class_name and spec.url
    message = spec.class_name + "Message"
    union = "\n".join(f"  | {{ type: {ts_value(m.type)}; payload: Record<string, unknown> }}" for m in spec.messages)
    cases = "\n".join(
        f"      case {ts_value(m.type)}:\n        // {_comment(m.description)}\n        break;" for m in spec.messages
    )
    return "\n".join([
        "// WebSocket integration",
        f"type {message} =",
        union + ";",
        "",
        f"class {spec.class_name} {{",
        "  private ws: WebSocket | null = null;",
        "  private reconnectAttempts: number = 0;",
        f"  private maxReconnectAttempts: number = {spec.max_reconnect_attempts};",
        f"  private reconnectDelayMs: number = {spec.reconnect_delay_ms};",
        "",
        "  connect(): void {",
        f"    this.ws = new WebSocket({ts_value(spec.url)});",
        "",
        "    this.ws.onopen = () => {",
        f"      console.log({ts_value(spec.class_name + ' connected')});",
        "      this.reconnectAttempts = 0;",
        "    };",
        "",
        "    this.ws.onmessage = (event: MessageEvent) => {",
        f"      this.handleMessage(JSON.parse(event.data) as {message});",
        "    };",
        "",
        "    this.ws.onclose = () => {",
        "      this.handleReconnection();",
        "    };",
        "",
        "    this.ws.onerror = (error: Event) => {",
        f"      console.error({ts_value(spec.class_name + ' error:')}, error);",
        "    };",
        "  }",
        "",
        f"  private handleMessage(message: {message}): void {{",
        "    switch (message.type) {",
        cases,
        "    }",
        "  }",
        "",
        "  private handleReconnection(): void {",
        "    if (this.reconnectAttempts < this.maxReconnectAttempts) {",
        "      this.reconnectAttempts++;",
        "      setTimeout(() => this.connect(), this.reconnectDelayMs * this.reconnectAttempts);",
        "    }",
        "  }",
        "}",
    ])


def _transport_decision(spec: GraphQLSpec | WebSocketSpec, capability: str, ctx: RenderContext) -> tuple[bool, str]:
    """Whether a transport is used is the design spine's decision; the model's flag
    only counts when there is no spine."""
    from agentspec.agents.spine import SPINE_ID, applies

    spine = ctx.sections.get(SPINE_ID)
    if spine is None:
        return spec.applicable, _sentence(spec.reason or f"the feature has no {capability} interface")
    used, reason = applies(spine, capability)
    return used, _sentence(reason)


def render(data: ApiSpecifications, ctx: RenderContext) -> str:
    gql_used, gql_reason = _transport_decision(data.graphql, "graphql", ctx)
    ws_used, ws_reason = _transport_decision(data.websocket, "websocket", ctx)
    graphql = (
        # The client library is named in the text, as every package a code block imports is.
        join_blocks("Operations as Apollo Client documents (the `@apollo/client` package):",
                    fence("typescript", graphql_client(data.graphql, data.rest)))
        if gql_used and data.graphql.applicable
        else f"Not applicable: {gql_reason}" if not gql_used
        else "Not drafted: the design spine has a GraphQL endpoint, but this section describes no GraphQL operation."
    )
    websocket = (
        fence("typescript", websocket_client(data.websocket))
        if ws_used and data.websocket.applicable
        else f"Not applicable: {ws_reason}" if not ws_used
        else "Not drafted: the design spine has a WebSocket endpoint, but this section describes no WebSocket client."
    )
    section, rest_heading, graphql_heading, websocket_heading = HEADINGS
    return join_blocks(
        section,
        rest_heading,
        fence("typescript", rest_client(data.rest)),
        graphql_heading,
        graphql,
        websocket_heading,
        websocket,
    )


def digest(data: ApiSpecifications) -> str:
    rest = data.rest
    lines = [f"REST client {rest.class_name} (base {rest.base_url}, bearer token from getToken()):"]
    lines += [f"- {m.name}({_signature(m)}): {m.http_method} {m.path} -> {m.returns}" for m in rest.methods]
    for t in rest.types:
        fields = "; ".join(f.name + ("?" if f.optional else "") + ": " + f.type for f in t.fields)
        lines.append(f"- type {t.name} {{ {fields} }}")
    if data.graphql.applicable:
        ops = [f"query {o.name}" for o in data.graphql.queries] + [f"mutation {o.name}" for o in data.graphql.mutations]
        ops += [f"subscription {o.name}" for o in data.graphql.subscriptions]
        lines.append("GraphQL: " + ", ".join(ops))
    else:
        lines.append(f"GraphQL: not used ({data.graphql.reason})")
    ws = data.websocket
    if ws.applicable:
        lines.append(f"WebSocket {ws.class_name} at {ws.url}; messages: {', '.join(m.type for m in ws.messages)}; "
                     f"{ws.max_reconnect_attempts} reconnects, {ws.reconnect_delay_ms} ms delay")
    else:
        lines.append(f"WebSocket: not used ({ws.reason})")
    return "\n".join(lines)


def cross_checks(data: ApiSpecifications, sections: dict) -> list[str]:
    """Every REST method calls an endpoint backend_integration defines. With a design
    spine, spine_checks says it once: the backend's endpoints are the spine's."""
    from .backend_integration import routes
    from agentspec.agents.spine import SPINE_ID

    backend = sections.get("backend_integration")
    if backend is None or sections.get(SPINE_ID) is not None:
        return []
    known = routes(backend)
    listing = ", ".join(f"{m} {p}" for m, p in sorted(known))
    return [
        f"api_specifications method {m.name} calls {m.http_method} {m.path}, which is not a backend_integration endpoint; use one of: {listing}"
        for m in data.rest.methods
        if (m.http_method, m.path) not in known
    ]


def align(data: ApiSpecifications, spine) -> ApiSpecifications:  # noqa: ANN001 - agents.spine.DesignSpine
    """Our client never calls the webhook receiver (only the provider does): such a method is
    dropped when others remain (both recorded Stripe drafts wrote one). A client left with
    none keeps it, and spine_checks says what to call instead."""
    receivers = {(e.method, e.path) for e in spine.endpoints if e.kind == "webhook_receiver"}
    methods = [m for m in data.rest.methods if (m.http_method, m.path) not in receivers]
    if not methods:
        methods = list(data.rest.methods)
    methods = [_onto_spine_path(m, spine) for m in methods]
    if methods == list(data.rest.methods):
        return data
    return data.model_copy(update={"rest": data.rest.model_copy(update={"methods": methods})})


def _onto_spine_path(method: RestMethod, spine) -> RestMethod:  # noqa: ANN001 - agents.spine.DesignSpine
    """`GET /deletion-confirmation/:requestId` where the spine has `GET /deletion-confirmation`:
    the same call with the id as a query parameter (the recorded gdpr section failed three
    times on exactly that one segment)."""
    known = {(e.method, e.path) for e in spine.endpoints}
    head, _, last = method.path.rpartition("/")
    if (method.http_method, method.path) in known or not last.startswith(":") or (method.http_method, head) not in known:
        return method
    name = last[1:]
    params = [p.model_copy(update={"location": "query"}) if p.location == "path" and p.name == name else p for p in method.params]
    return method.model_copy(update={"path": head, "params": params})


def spine_checks(data: ApiSpecifications, spine) -> list[str]:  # noqa: ANN001 - agents.spine.DesignSpine
    """Methods call the design spine's endpoints; GraphQL and WebSocket exist only where the spine has them."""
    from agentspec.agents.spine import has

    ours = [e for e in spine.endpoints if e.kind != "webhook_receiver"]  # a provider calls the receiver, not our client
    known = {(e.method, e.path) for e in ours}
    receivers = {(e.method, e.path) for e in spine.endpoints if e.kind == "webhook_receiver"}
    listing = ", ".join(f"{m} {p}" for m, p in sorted(known)) or "none"
    problems = []
    for m in data.rest.methods:
        if (m.http_method, m.path) in receivers:
            problems.append(f"method {m.name} calls the webhook receiver {m.http_method} {m.path}, which only the provider "
                            f"calls; the client calls our own endpoints: {listing}")
        elif (m.http_method, m.path) not in known:
            problems.append(f"method {m.name} calls {m.http_method} {m.path}, which the design spine does not define; "
                            f"use only: {listing}")
    called = {(m.http_method, m.path) for m in data.rest.methods}
    problems += [f"the design spine's endpoint {e.method} {e.path} ({e.purpose}) has no client method; add one"
                 for e in ours if e.kind == "rest" and (e.method, e.path) not in called]
    for spec, capability in ((data.graphql, "graphql"), (data.websocket, "websocket")):
        # Marked applicable without the spine is ignored by render(); the spine having it but the section not is a gap.
        if has(spine, capability) and not spec.applicable:
            problems.append(f"the design spine has a {capability} endpoint; describe it and set applicable to true")
    return problems
