"""The stack named by manifests and config files: frameworks, ORMs, migration
tools, test runners and CI.

Only declared dependencies count (package.json, pyproject.toml,
requirements*.txt, go.mod, pom.xml, Gemfile), each with the line that declares
it. Line numbers are found by searching the text, because the JSON and TOML
parsers in the standard library do not report them.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable

from agentspec.repo.context import Source, StackKind
from agentspec.repo.facts import Facts

Known = tuple[StackKind, str]

# npm package -> (kind, display name)
NPM: dict[str, Known] = {
    "express": ("framework", "Express"), "@nestjs/core": ("framework", "NestJS"),
    "fastify": ("framework", "Fastify"), "koa": ("framework", "Koa"), "hono": ("framework", "Hono"),
    "next": ("framework", "Next.js"), "nuxt": ("framework", "Nuxt"), "@remix-run/node": ("framework", "Remix"),
    "@sveltejs/kit": ("framework", "SvelteKit"), "@hapi/hapi": ("framework", "hapi"),
    "react": ("framework", "React"), "vue": ("framework", "Vue"), "@angular/core": ("framework", "Angular"),
    "@prisma/client": ("orm", "Prisma"), "prisma": ("migration_tool", "Prisma Migrate"),
    "typeorm": ("orm", "TypeORM"), "sequelize": ("orm", "Sequelize"), "drizzle-orm": ("orm", "Drizzle"),
    "drizzle-kit": ("migration_tool", "drizzle-kit"), "mongoose": ("orm", "Mongoose"), "knex": ("orm", "Knex"),
    "@mikro-orm/core": ("orm", "MikroORM"), "objection": ("orm", "Objection"), "kysely": ("orm", "Kysely"),
    "db-migrate": ("migration_tool", "db-migrate"), "node-pg-migrate": ("migration_tool", "node-pg-migrate"),
    "umzug": ("migration_tool", "Umzug"),
    "jest": ("test_runner", "Jest"), "vitest": ("test_runner", "Vitest"), "mocha": ("test_runner", "Mocha"),
    "ava": ("test_runner", "AVA"), "@playwright/test": ("test_runner", "Playwright"),
    "cypress": ("test_runner", "Cypress"), "jasmine": ("test_runner", "Jasmine"), "tap": ("test_runner", "tap"),
}

# PyPI project (normalised: lower case, '-' for '_' and '.') -> (kind, display name)
PYPI: dict[str, Known] = {
    "fastapi": ("framework", "FastAPI"), "flask": ("framework", "Flask"), "django": ("framework", "Django"),
    "starlette": ("framework", "Starlette"), "litestar": ("framework", "Litestar"),
    "aiohttp": ("framework", "aiohttp"), "sanic": ("framework", "Sanic"), "tornado": ("framework", "Tornado"),
    "pyramid": ("framework", "Pyramid"), "falcon": ("framework", "Falcon"),
    "djangorestframework": ("framework", "Django REST framework"),
    "sqlmodel": ("orm", "SQLModel"), "sqlalchemy": ("orm", "SQLAlchemy"), "peewee": ("orm", "peewee"),
    "tortoise-orm": ("orm", "Tortoise ORM"), "pony": ("orm", "Pony ORM"), "mongoengine": ("orm", "MongoEngine"),
    "beanie": ("orm", "Beanie"), "piccolo": ("orm", "Piccolo"), "ormar": ("orm", "ormar"),
    "alembic": ("migration_tool", "Alembic"), "yoyo-migrations": ("migration_tool", "yoyo"),
    "aerich": ("migration_tool", "Aerich"),
    "pytest": ("test_runner", "pytest"), "nose2": ("test_runner", "nose2"),
    "tox": ("test_runner", "tox"), "nox": ("test_runner", "nox"),
}

# Go module path prefix -> (kind, display name)
GO: dict[str, Known] = {
    "github.com/gin-gonic/gin": ("framework", "Gin"), "github.com/labstack/echo": ("framework", "Echo"),
    "github.com/gofiber/fiber": ("framework", "Fiber"), "github.com/go-chi/chi": ("framework", "chi"),
    "github.com/gorilla/mux": ("framework", "gorilla/mux"), "gorm.io/gorm": ("orm", "GORM"),
    "entgo.io/ent": ("orm", "ent"), "github.com/jmoiron/sqlx": ("orm", "sqlx"),
    "github.com/uptrace/bun": ("orm", "Bun"), "github.com/golang-migrate/migrate": ("migration_tool", "golang-migrate"),
    "github.com/pressly/goose": ("migration_tool", "goose"), "github.com/stretchr/testify": ("test_runner", "testify"),
    "github.com/onsi/ginkgo": ("test_runner", "Ginkgo"),
}

# Maven artifactId -> (kind, display name)
MAVEN: dict[str, Known] = {
    "spring-boot-starter-web": ("framework", "Spring Boot"),
    "spring-boot-starter-webflux": ("framework", "Spring Boot"),
    "spring-boot-starter": ("framework", "Spring Boot"), "quarkus-core": ("framework", "Quarkus"),
    "micronaut-http-server-netty": ("framework", "Micronaut"), "spring-boot-starter-data-jpa": ("orm", "JPA/Hibernate"),
    "hibernate-core": ("orm", "Hibernate"), "mybatis": ("orm", "MyBatis"), "jooq": ("orm", "jOOQ"),
    "flyway-core": ("migration_tool", "Flyway"), "liquibase-core": ("migration_tool", "Liquibase"),
    "junit-jupiter": ("test_runner", "JUnit 5"), "junit-jupiter-api": ("test_runner", "JUnit 5"),
    "junit": ("test_runner", "JUnit 4"), "testng": ("test_runner", "TestNG"),
    "spring-boot-starter-test": ("test_runner", "JUnit 5"),
}

# Ruby gem -> (kind, display name)
GEMS: dict[str, Known] = {
    "rails": ("framework", "Rails"), "sinatra": ("framework", "Sinatra"), "hanami": ("framework", "Hanami"),
    "grape": ("framework", "Grape"), "activerecord": ("orm", "Active Record"), "sequel": ("orm", "Sequel"),
    "rspec": ("test_runner", "RSpec"), "rspec-rails": ("test_runner", "RSpec"), "minitest": ("test_runner", "Minitest"),
}

# Test runner config files, by name prefix.
RUNNER_CONFIGS = {
    "jest.config.": "Jest", "vitest.config.": "Vitest", ".mocharc": "Mocha", "playwright.config.": "Playwright",
    "cypress.config.": "Cypress", "karma.conf.": "Karma", "pytest.ini": "pytest", "conftest.py": "pytest",
}

# Test runners named in package.json scripts (word -> display name).
_SCRIPT_RUNNERS = {"jest": "Jest", "vitest": "Vitest", "mocha": "Mocha", "ava": "AVA", "playwright": "Playwright",
                   "cypress": "Cypress", "node --test": "node:test", "tap": "tap"}

MANIFEST_NAMES = frozenset({"package.json", "pyproject.toml", "go.mod", "pom.xml", "Gemfile", "Pipfile"})


def is_manifest(rel: str, name: str) -> bool:
    if name in MANIFEST_NAMES:
        return True
    if name.endswith(".txt") and (name.startswith("requirements") or "/requirements/" in f"/{rel}"):
        return True
    return False


def ci_system(rel: str, name: str) -> str | None:
    if rel.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
        return "GitHub Actions"
    if rel in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        return "GitLab CI"
    if rel == ".circleci/config.yml":
        return "CircleCI"
    if rel == "Jenkinsfile":
        return "Jenkins"
    if rel == "azure-pipelines.yml":
        return "Azure Pipelines"
    if rel == "bitbucket-pipelines.yml":
        return "Bitbucket Pipelines"
    if rel == ".travis.yml":
        return "Travis CI"
    return None


def test_runner_config(name: str) -> str | None:
    return next((runner for prefix, runner in RUNNER_CONFIGS.items() if name.startswith(prefix)), None)


def normalise_pypi(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _line_of(lines: list[str], needle: str, start: int = 0) -> int:
    """1-based line of the first line containing `needle`, else 1."""
    for index in range(start, len(lines)):
        if needle in lines[index]:
            return index + 1
    return 1


def parse_manifest(text: str, rel: str, name: str, facts: Facts) -> None:
    try:
        if name == "package.json":
            _package_json(text, rel, facts)
        elif name == "pyproject.toml":
            _pyproject(text, rel, facts)
        elif name == "go.mod":
            _go_mod(text, rel, facts)
        elif name == "pom.xml":
            _pom(text, rel, facts)
        elif name == "Gemfile":
            _gemfile(text, rel, facts)
        elif name == "Pipfile":
            _pipfile(text, rel, facts)
        else:
            _requirements(text, rel, facts)
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # JSONDecodeError is a ValueError
        facts.problem(rel, f"manifest does not parse: {str(exc).splitlines()[0][:120]}")


def _emit(facts: Facts, table: dict[str, Known], package: str, rel: str, line: int, version: str | None) -> None:
    known = table.get(package)
    if known is not None:
        facts.add_stack(known[0], known[1], Source(path=rel, line=line), package=package, version=version or None)


def _package_json(text: str, rel: str, facts: Facts) -> None:
    data = json.loads(text)
    if not isinstance(data, dict):
        return
    lines = text.splitlines()
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        deps = data.get(section)
        if not isinstance(deps, dict):
            continue
        section_line = _line_of(lines, f'"{section}"') - 1
        for package, version in deps.items():
            line = _line_of(lines, f'"{package}"', section_line)
            _emit(facts, NPM, package, rel, line, version if isinstance(version, str) else None)
    scripts = data.get("scripts")
    if isinstance(scripts, dict):
        section_line = _line_of(lines, '"scripts"') - 1
        for script, command in scripts.items():
            if not isinstance(command, str):
                continue
            for word, runner in _SCRIPT_RUNNERS.items():
                if re.search(rf"(^|[\s&;/]){re.escape(word)}(\s|$)", command):
                    facts.add_stack("test_runner", runner, Source(path=rel, line=_line_of(lines, f'"{script}"',
                                                                                        section_line)))


def _pep508(requirement: str) -> tuple[str, str] | None:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*)", requirement)
    if not match:
        return None
    return normalise_pypi(match.group(1)), match.group(3).strip()


def _python_requirements(requirements: Iterable[object], lines: list[str], rel: str, facts: Facts) -> None:
    for requirement in requirements:
        if not isinstance(requirement, str):
            continue
        parsed = _pep508(requirement)
        if parsed:
            _emit(facts, PYPI, parsed[0], rel, _line_of(lines, requirement.strip()), parsed[1])


def _pyproject(text: str, rel: str, facts: Facts) -> None:
    data = tomllib.loads(text)
    lines = text.splitlines()
    project = data.get("project", {})
    if isinstance(project, dict):
        _python_requirements(project.get("dependencies", []) or [], lines, rel, facts)
        for group in (project.get("optional-dependencies", {}) or {}).values():
            _python_requirements(group if isinstance(group, list) else [], lines, rel, facts)
    for group in (data.get("dependency-groups", {}) or {}).values():
        _python_requirements(group if isinstance(group, list) else [], lines, rel, facts)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        return
    poetry = tool.get("poetry", {})
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
        tables += [g.get("dependencies", {}) for g in (poetry.get("group", {}) or {}).values() if isinstance(g, dict)]
        for table in tables:
            for package, spec in (table or {}).items():
                version = spec if isinstance(spec, str) else None
                line = next((i + 1 for i, text_line in enumerate(lines)
                             if re.match(rf"\s*{re.escape(package)}\s*=", text_line)), 1)
                _emit(facts, PYPI, normalise_pypi(package), rel, line, version)
    # A [tool.X] section is as good as a dependency: the project configures X.
    for section in tool:
        known = PYPI.get(normalise_pypi(section))
        if known is not None and known[0] in ("test_runner", "migration_tool"):
            facts.add_stack(known[0], known[1], Source(path=rel, line=_line_of(lines, f"[tool.{section}")))


def _requirements(text: str, rel: str, facts: Facts) -> None:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        parsed = _pep508(line)
        if parsed:
            _emit(facts, PYPI, parsed[0], rel, number, parsed[1])


def _pipfile(text: str, rel: str, facts: Facts) -> None:
    data = tomllib.loads(text)
    lines = text.splitlines()
    for section in ("packages", "dev-packages"):
        for package, spec in (data.get(section, {}) or {}).items():
            line = next((i + 1 for i, text_line in enumerate(lines)
                         if re.match(rf'\s*"?{re.escape(package)}"?\s*=', text_line)), 1)
            _emit(facts, PYPI, normalise_pypi(package), rel, line, spec if isinstance(spec, str) else None)


def _go_mod(text: str, rel: str, facts: Facts) -> None:
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("//")[0].strip()
        if line.startswith("require ("):
            in_block = True
            continue
        if in_block and line == ")":
            in_block = False
            continue
        if line.startswith("require "):
            line = line[len("require "):].strip()
        elif not in_block:
            continue
        parts = line.split()
        if not parts:
            continue
        module, version = parts[0], parts[1] if len(parts) > 1 else None
        # Major versions live in the path (github.com/labstack/echo/v4).
        base = re.sub(r"/v\d+$", "", module)
        _emit(facts, GO, base, rel, number, version)


def _pom(text: str, rel: str, facts: Facts) -> None:
    # Line-based on purpose: ElementTree drops line numbers, and a pom's
    # <dependency> blocks are regular enough.
    artifact: tuple[str, int] | None = None
    version: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if "<dependency>" in raw:
            artifact, version = None, None
        found = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", raw)
        if found:
            artifact = (found.group(1), number)
        found_version = re.search(r"<version>\s*([^<\s]+)\s*</version>", raw)
        if found_version:
            version = found_version.group(1)
        if "</dependency>" in raw and artifact is not None:
            _emit(facts, MAVEN, artifact[0], rel, artifact[1], version)
            artifact = None


def _gemfile(text: str, rel: str, facts: Facts) -> None:
    for number, raw in enumerate(text.splitlines(), start=1):
        match = re.match(r"""\s*gem\s+['"]([^'"]+)['"](?:\s*,\s*['"]([^'"]+)['"])?""", raw)
        if match:
            _emit(facts, GEMS, match.group(1), rel, number, match.group(2))
