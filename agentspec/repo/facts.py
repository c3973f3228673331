"""The accumulator every extractor writes into during one scan.

Lists that can grow with the repository (sources of one env var, problems) are
capped, with counts kept, so a scan of a huge monorepo stays small in memory
and in the JSON handed to a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentspec.repo.context import (
    ClientUse,
    EnvVar,
    Problem,
    Route,
    Source,
    StackItem,
    StackKind,
    TableOrigin,
    Topic,
    TopicKind,
    TopicRole,
)
from agentspec.repo.schema_state import SchemaBuilder

MAX_SOURCES_PER_FACT = 20
MAX_PROBLEMS = 200
MAX_TOPICS = 500
MAX_ROUTES = 5000


@dataclass
class Facts:
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0
    stack: list[StackItem] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    env: dict[str, EnvVar] = field(default_factory=dict)
    clients: dict[tuple[str, str], ClientUse] = field(default_factory=dict)
    schemas: dict[tuple[str, str], SchemaBuilder] = field(default_factory=dict)

    def problem(self, path: str, reason: str, line: int | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems_dropped += 1
            return
        # Reasons come from parsers and may quote the offending text; keep them short.
        self.problems.append(Problem(path=path, line=line, reason=reason[:200]))

    def add_stack(self, kind: StackKind, name: str, source: Source, *, package: str | None = None,
                  version: str | None = None) -> None:
        self.stack.append(StackItem(kind=kind, name=name, package=package, version=version, source=source))

    def add_route(self, route: Route) -> None:
        if len(self.routes) < MAX_ROUTES:
            self.routes.append(route)

    def add_topic(self, name: str, kind: TopicKind, role: TopicRole, source: Source) -> None:
        if len(self.topics) < MAX_TOPICS and name:
            self.topics.append(Topic(name=name, kind=kind, role=role, source=source))

    def _env(self, name: str) -> EnvVar:
        var = self.env.get(name)
        if var is None:
            var = self.env[name] = EnvVar(name=name)
        var.occurrences += 1
        return var

    def env_declared(self, name: str, source: Source) -> None:
        var = self._env(name)
        if len(var.declared_in) < MAX_SOURCES_PER_FACT:
            var.declared_in.append(source)

    def env_read(self, name: str, source: Source) -> None:
        var = self._env(name)
        if len(var.read_in) < MAX_SOURCES_PER_FACT:
            var.read_in.append(source)

    def add_client(self, service: str, package: str, source: Source) -> None:
        key = (service, package)
        use = self.clients.get(key)
        if use is None:
            use = self.clients[key] = ClientUse(service=service, package=package, sources=[])
        use.occurrences += 1
        if len(use.sources) < MAX_SOURCES_PER_FACT and source not in use.sources:
            use.sources.append(source)

    def schema(self, origin: TableOrigin, label: str) -> SchemaBuilder:
        key = (origin, label)
        builder = self.schemas.get(key)
        if builder is None:
            builder = self.schemas[key] = SchemaBuilder(origin, label)
        return builder
