"""The scan result: what a repository already has, and where each fact was found.

Every fact carries a `Source` (repository-relative POSIX path and 1-based line)
so that a spec drafted from it can cite the file a reviewer should open. The
model forbids unknown fields so that a consumer that mistypes a field name gets
an error instead of a silent default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """Where a fact was found: a path relative to the scanned root, and a 1-based line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    line: int = Field(ge=1)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class LanguageStat(_Model):
    """Files of one language, counted by extension; `sample` is the first such file seen."""

    name: str
    files: int
    extensions: list[str]
    sample: str


StackKind = Literal["framework", "orm", "migration_tool", "test_runner", "ci"]


class StackItem(_Model):
    """A framework, ORM, migration tool, test runner or CI system named by a manifest or config file."""

    kind: StackKind
    name: str
    package: str | None = None  # the dependency that revealed it, as written in the manifest
    version: str | None = None  # the version constraint as written, if any
    source: Source


class Column(_Model):
    name: str
    type: str | None = None  # SQL type as written (SQL files) or mapped to SQL (Prisma, SQLAlchemy)
    nullable: bool = True
    primary_key: bool = False
    references: str | None = None  # "table.column" of a foreign key, when declared
    source: Source


TableOrigin = Literal["sql_migrations", "prisma_migrations", "alembic", "prisma_schema", "orm_model"]


class Table(_Model):
    """A table after all migrations of its origin were applied in order."""

    name: str
    db_schema: str | None = None  # e.g. "billing" in billing.invoices
    columns: list[Column]
    primary_key: list[str]
    origin: TableOrigin
    source: Source  # where the table was created (or declared, for models)
    also_declared_in: list[Source] = Field(default_factory=list)  # other origins that define a table of this name

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


RouteFramework = Literal["openapi", "express", "nestjs", "fastapi", "flask"]


class Route(_Model):
    method: str  # upper case: GET, POST, ... or ALL (Express app.all)
    path: str  # with the prefixes of the routers it is mounted under
    handler: str | None = None  # function or operationId; None for anonymous handlers
    framework: RouteFramework
    source: Source


class EnvVar(_Model):
    """An environment variable NAME. Values are never read into the result."""

    name: str
    declared_in: list[Source] = Field(default_factory=list)  # .env* files, settings classes
    read_in: list[Source] = Field(default_factory=list)  # code that reads it
    occurrences: int = 0  # all sightings, including those beyond the per-fact source cap


class ClientUse(_Model):
    """An existing SDK client of an external service, found by its import."""

    service: str
    package: str
    sources: list[Source]
    occurrences: int = 0


TopicKind = Literal["kafka_topic", "queue", "celery_task"]
TopicRole = Literal["produce", "consume", "declare"]


class Topic(_Model):
    name: str
    kind: TopicKind
    role: TopicRole
    source: Source


class Problem(_Model):
    """A file the scanner could not read or parse (fully); the scan went on."""

    path: str
    line: int | None = None
    reason: str


class ScanStats(_Model):
    files_seen: int = 0  # files not ignored, visited by the walk
    # Files handed to a parser. A .py/.ts file whose bytes show none of the
    # patterns the extractors look for is read but not parsed (nor checked for syntax).
    files_parsed: int = 0
    skipped_ignored: int = 0  # files and whole folders left out by .gitignore or the built-in skip list, symlinks
    skipped_too_big: int = 0
    skipped_binary: int = 0
    elapsed_s: float = 0.0
    stopped_early: bool = False
    stop_reason: Literal["max_files", "time_budget"] | None = None
    problems: list[Problem] = Field(default_factory=list)
    problems_dropped: int = 0  # problems beyond the cap, counted but not listed


class RepoContext(_Model):
    schema_version: int = SCHEMA_VERSION
    languages: list[LanguageStat] = Field(default_factory=list)
    frameworks: list[StackItem] = Field(default_factory=list)
    orms: list[StackItem] = Field(default_factory=list)
    migration_tools: list[StackItem] = Field(default_factory=list)
    test_runners: list[StackItem] = Field(default_factory=list)
    ci: list[StackItem] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    env_vars: list[EnvVar] = Field(default_factory=list)
    clients: list[ClientUse] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    # The Alembic revisions nothing revises yet, as "revision_id path": a new revision goes after them.
    alembic_heads: list[str] = Field(default_factory=list)
    stats: ScanStats = Field(default_factory=ScanStats)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
