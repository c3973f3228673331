"""Stack facts from manifests and config files, each with the line that declares it."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def _names(items) -> set[str]:
    return {item.name for item in items}


def test_python_manifest_names_framework_orm_migrations_and_runner(fastapi_ctx: RepoContext):
    assert _names(fastapi_ctx.frameworks) == {"FastAPI"}
    assert _names(fastapi_ctx.orms) == {"SQLModel"}
    assert _names(fastapi_ctx.migration_tools) == {"Alembic"}
    assert _names(fastapi_ctx.test_runners) == {"pytest"}
    fastapi = fastapi_ctx.frameworks[0]
    assert (fastapi.package, fastapi.version) == ("fastapi", ">=0.110")
    assert (fastapi.source.path, fastapi.source.line) == ("pyproject.toml", 6)
    # pytest is declared twice in pyproject (optional dependency and [tool.pytest]): one fact, the dependency.
    (pytest_item,) = fastapi_ctx.test_runners
    assert (pytest_item.package, pytest_item.source.line) == ("pytest", 14)


def test_package_json_names_express_prisma_jest_and_workflow_ci(express_ctx: RepoContext):
    assert _names(express_ctx.frameworks) == {"Express"}
    assert _names(express_ctx.orms) == {"Prisma"}
    assert _names(express_ctx.migration_tools) == {"Prisma Migrate"}
    assert _names(express_ctx.test_runners) == {"Jest"}
    express = express_ctx.frameworks[0]
    assert (express.source.path, express.source.line, express.version) == ("package.json", 13, "^4.19.2")
    jest_sources = {str(item.source) for item in express_ctx.test_runners}
    assert jest_sources == {"package.json:19", "jest.config.js:1"}
    assert [(c.name, c.source.path) for c in express_ctx.ci] == [("GitHub Actions", ".github/workflows/ci.yml")]


def test_nested_package_json_and_gitlab_ci(sql_ctx: RepoContext):
    assert [(f.name, str(f.source)) for f in sql_ctx.frameworks] == [("NestJS", "nest/package.json:10")]
    assert [c.name for c in sql_ctx.ci] == ["GitLab CI"]


def test_languages_are_counted_by_extension(fastapi_ctx: RepoContext, express_ctx: RepoContext):
    assert [(lang.name, lang.files) for lang in fastapi_ctx.languages] == [("Python", 12)]
    by_name = {lang.name: lang for lang in express_ctx.languages}
    assert by_name["TypeScript"].files == 8
    assert by_name["JavaScript"].extensions == [".js"] and by_name["JavaScript"].files == 2
    assert by_name["SQL"].files == 2 and by_name["Prisma"].files == 1


def test_go_maven_ruby_and_requirements_manifests(tmp_path, write_file):
    write_file(tmp_path, "svc-go/go.mod", "module example.com/svc\n\ngo 1.22\n\nrequire (\n"
               "\tgithub.com/labstack/echo/v4 v4.11.4\n\tgorm.io/gorm v1.25.7 // indirect\n)\n"
               "require github.com/stretchr/testify v1.9.0\n")
    write_file(tmp_path, "svc-java/pom.xml", "<project>\n  <dependencies>\n    <dependency>\n"
               "      <groupId>org.springframework.boot</groupId>\n"
               "      <artifactId>spring-boot-starter-web</artifactId>\n    </dependency>\n"
               "    <dependency>\n      <groupId>org.flywaydb</groupId>\n"
               "      <artifactId>flyway-core</artifactId>\n      <version>10.1.0</version>\n"
               "    </dependency>\n  </dependencies>\n</project>\n")
    write_file(tmp_path, "svc-ruby/Gemfile", "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n"
               "group :test do\n  gem \"rspec-rails\"\nend\n")
    write_file(tmp_path, "svc-py/requirements-dev.txt", "# tools\n-r requirements.txt\nFlask==3.0.2\n"
               "SQLAlchemy[asyncio]>=2.0 ; python_version >= '3.10'\npytest\n")
    ctx = scan(tmp_path)
    found = {(item.kind, item.name, str(item.source))
             for item in ctx.frameworks + ctx.orms + ctx.migration_tools + ctx.test_runners}
    assert found == {
        ("framework", "Echo", "svc-go/go.mod:6"),
        ("orm", "GORM", "svc-go/go.mod:7"),
        ("test_runner", "testify", "svc-go/go.mod:9"),
        ("framework", "Spring Boot", "svc-java/pom.xml:5"),
        ("migration_tool", "Flyway", "svc-java/pom.xml:9"),
        ("framework", "Rails", "svc-ruby/Gemfile:2"),
        ("test_runner", "RSpec", "svc-ruby/Gemfile:4"),
        ("framework", "Flask", "svc-py/requirements-dev.txt:3"),
        ("orm", "SQLAlchemy", "svc-py/requirements-dev.txt:4"),
        ("test_runner", "pytest", "svc-py/requirements-dev.txt:5"),
    }
    flyway = next(item for item in ctx.migration_tools if item.name == "Flyway")
    assert flyway.version == "10.1.0"
    sqlalchemy = next(item for item in ctx.orms if item.name == "SQLAlchemy")
    assert sqlalchemy.version == ">=2.0"


def test_a_broken_manifest_is_a_problem_not_a_crash(tmp_path, write_file):
    write_file(tmp_path, "package.json", '{"dependencies": {"express": "^4"},,}')
    write_file(tmp_path, "pyproject.toml", "[project\nname = 'x'\n")
    ctx = scan(tmp_path)
    assert ctx.frameworks == []
    assert {p.path for p in ctx.stats.problems} == {"package.json", "pyproject.toml"}
