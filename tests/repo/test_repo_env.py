"""Environment variable names, never their values."""

from __future__ import annotations

from pathlib import Path

from agentspec.repo import RepoContext, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "repos"


def _env_values(path) -> list[str]:
    values = []
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            values.append(line.split("=", 1)[1])
    return values


def test_names_come_from_env_files_and_code(fastapi_ctx: RepoContext):
    by_name = {v.name: v for v in fastapi_ctx.env_vars}
    assert set(by_name) == {"DATABASE_URL", "STRIPE_SECRET_KEY", "SENTRY_DSN", "CELERY_BROKER_URL"}
    stripe = by_name["STRIPE_SECRET_KEY"]
    assert [str(s) for s in stripe.declared_in] == [".env.example:3"]
    assert [str(s) for s in stripe.read_in] == ["app/routers/billing.py:6"]  # os.environ["..."]
    assert [str(s) for s in by_name["SENTRY_DSN"].declared_in] == [".env.example:4"]  # `export NAME=...`
    assert [str(s) for s in by_name["SENTRY_DSN"].read_in] == ["app/settings.py:4"]  # os.environ.get
    assert [str(s) for s in by_name["DATABASE_URL"].read_in] == ["app/settings.py:3"]  # os.getenv


def test_no_env_file_value_appears_anywhere_in_the_result(fastapi_ctx: RepoContext, express_ctx: RepoContext):
    for ctx, repo in ((fastapi_ctx, "python-fastapi-alembic"), (express_ctx, "ts-express-prisma")):
        dump = ctx.to_json()
        # Short values (PORT=3000) could match unrelated text such as a migration timestamp.
        values = [v for v in _env_values(FIXTURES / repo / ".env.example") if len(v) >= 10]
        assert len(values) >= 4
        for value in values:
            assert value.strip('"') not in dump
    assert "fixture-stripe-secret-MUST-NOT-LEAK-7Q2" not in fastapi_ctx.to_json()
    assert "twilio-fixture-token-MUST-NOT-LEAK-91" not in express_ctx.to_json()


def test_process_env_member_subscript_and_destructuring(express_ctx: RepoContext):
    reads = {v.name: [str(s) for s in v.read_in] for v in express_ctx.env_vars}
    assert reads["TWILIO_ACCOUNT_SID"] == ["src/services/sms.ts:3"]  # process.env.X
    assert reads["TWILIO_AUTH_TOKEN"] == ["src/services/sms.ts:3"]  # process.env['X']
    assert reads["TWILIO_FROM_NUMBER"] == ["src/services/sms.ts:4"]  # const { X } = process.env
    assert reads["DATABASE_URL"] == ["prisma/schema.prisma:4"]  # env("X") in the Prisma datasource
    assert reads["PORT"] == ["src/app.ts:15"]


def test_env_files_settings_classes_and_odd_lines(tmp_path, write_file):
    secret = "s3cr3t-value-with=equals-and-#hash"
    write_file(tmp_path, ".env.local", f"# comment=ignored\n\nAPI_TOKEN={secret}\nnot a pair\n  SPACED = x\n")
    write_file(tmp_path, "settings.py", '''
from os import environ, getenv
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic import Field


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_")
    redis_url: str = "redis://localhost"
    api_key: str = Field(validation_alias="PAYMENTS_API_KEY")


LEVEL = getenv("LOG_LEVEL", "info")
HOME = environ["HOME_DIR"]
''')
    ctx = scan(tmp_path)
    names = {v.name: v for v in ctx.env_vars}
    assert set(names) == {"API_TOKEN", "SPACED", "SHOP_REDIS_URL", "PAYMENTS_API_KEY", "LOG_LEVEL", "HOME_DIR"}
    assert [str(s) for s in names["SHOP_REDIS_URL"].declared_in] == ["settings.py:9"]
    assert secret not in ctx.to_json() and "info" not in {v.name for v in ctx.env_vars}
