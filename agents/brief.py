"""FeatureBrief: what intake makes of the one-line description. It feeds every
section and fills the template's AI Development Notes context."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import Field, computed_field

from agentspec.section import SectionModel, ShortText, Text, items

Complexity = Literal["Low", "Medium", "High", "Very High"]
CodeLanguage = Literal["typescript", "python", "go", "java", "ruby", "csharp", "kotlin", "php"]
# The libraries the code examples are written with, one per job, per example language: every
# example then imports the same driver and client, and the Overview names them, so an import is
# never a dependency the spec did not declare (the ninth-pass examples imported pg, msw and
# inversify, none named). TypeScript's client and driver are those agentspec/checks/node type-checks against.
LIBRARIES: dict[str, dict[str, str]] = {
    "typescript": {"http client": "axios", "test runner": "vitest", "HTTP mocks": "msw", "orm": "typeorm",
                   "postgresql": "pg", "mysql": "mysql2", "mongodb": "mongodb", "redis": "ioredis"},
    "python": {"http client": "httpx", "test runner": "pytest", "HTTP mocks": "respx",
               "postgresql": "psycopg", "mysql": "PyMySQL", "mongodb": "pymongo", "redis": "redis"},
}
# How each driver runs a transaction, from its own documentation: a pool's query() may use a
# different connection for each call, so BEGIN sent through it does not hold the next statement
# (https://node-postgres.com/features/transactions); psycopg 3 opens one with a block
# (https://www.psycopg.org/psycopg3/docs/basic/transactions.html). The ninth-pass examples sent
# "BEGIN; INSERT ..." as one parameterised query and called pool.release().
TRANSACTIONS: dict[str, str] = {
    "pg": "take one client with `await pool.connect()`; send BEGIN, each statement and COMMIT as separate "
          "`client.query()` calls on it, ROLLBACK in catch, and `client.release()` in finally",
    "psycopg": "run the statements inside `with conn.transaction():` on one connection; it commits at the end "
               "of the block and rolls back on an exception",
}
# How each HTTP client is set up, from its own documentation (https://axios-http.com/docs/instance,
# https://www.python-httpx.org/advanced/clients/): the ninth-pass client imported a `HttpClient`
# that axios does not export, and the type check failed it twice.
HTTP_CLIENTS: dict[str, str] = {
    "axios": "make one instance with `axios.create({ baseURL, timeout })` (the default export) and tell HTTP "
             "errors apart with `axios.isAxiosError(error)`",
    "httpx": "make one `httpx.Client(base_url=..., timeout=...)` and raise on error statuses with `response.raise_for_status()`",
}
# database key in LIBRARIES -> (its name, the words a stack entry names it by)
_DATABASES = {"postgresql": ("PostgreSQL", ("postgres", "postgresql")), "mysql": ("MySQL", ("mysql", "mariadb")),
              "mongodb": ("MongoDB", ("mongodb", "mongo")), "redis": ("Redis", ("redis",))}


class FeatureBrief(SectionModel):
    name: ShortText = Field(description="feature name in Title Case, at most 8 words")
    summary: Text = Field(description="2-3 sentences: what is built, for whom, and why")
    complexity: Complexity = Field(description="integration complexity")
    domains: items(ShortText, 1, 6) = Field(description="areas of domain knowledge this feature needs, each a short Title Case noun phrase taken from the description")
    stack: items(ShortText, 2, 6) = Field(description="tech stack the description names or implies: languages, runtimes, frameworks, databases, by product name")
    code_language: CodeLanguage = Field(description="language for code examples, as the feature calls for")
    actors: items(ShortText, 1, 5) = Field(description="who uses or triggers the feature")
    external_systems: items(ShortText, 0, 3) = Field(description="third-party systems involved, by product name")
    assumptions: items(Text, 0, 5) = Field(default_factory=list, description="assumptions made where the description is silent; empty if it leaves nothing open")
    out_of_scope: items(Text, 0, 4) = Field(default_factory=list, description="what this feature explicitly does not do; empty if nothing is excluded")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def test_tools(self) -> tuple[str, str] | None:
        """(runner, HTTP mock) the integration-test example uses and Testing & Validation names."""
        known = LIBRARIES.get(self.code_language)
        return (known["test runner"], known["HTTP mocks"]) if known else None

    @property
    def database_driver(self) -> tuple[str, str] | None:
        """(package, how it runs a transaction) of the first database the stack names, if known."""
        driver = next((p for p, job in self.libraries if job.endswith(" driver") and job != "Redis driver"), None)
        return (driver, TRANSACTIONS.get(driver, "")) if driver else None

    @property
    def http_client(self) -> tuple[str, str] | None:
        """(package, how it is set up) of the examples' HTTP client, if the language has one listed."""
        client = next((p for p, job in self.libraries if job == "HTTP client"), None)
        return (client, HTTP_CLIENTS.get(client, "")) if client else None

    @property
    def libraries(self) -> list[tuple[str, str]]:
        """(package, job) the code examples use: the HTTP client, the driver of each database
        the stack names, and the test tools; empty for a language without a list."""
        known = LIBRARIES.get(self.code_language)
        if not known:
            return []
        stack = " ".join(self.stack).lower()
        drivers = [(known[db], f"{name} driver") for db, (name, words) in _DATABASES.items()
                   if db in known and any(re.search(rf"\b{w}\b", stack) for w in words)]
        # The schema's ORM mapping is rendered with TypeORM (database_schema.typeorm_entities).
        orm = [(known["orm"], "ORM entities")] if drivers and "orm" in known else []
        return [(known["http client"], "HTTP client"), *drivers, *orm,
                (known["test runner"], "test runner"), (known["HTTP mocks"], "HTTP mocks")]


def slugify(text: str, max_length: int = 60) -> str:
    """A file-system-safe slug: ASCII letters, digits and single dashes only, so a
    description can never steer a path out of the output directory."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or "feature"
