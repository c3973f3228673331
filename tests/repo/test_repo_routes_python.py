"""FastAPI and Flask routes, with prefixes from routers and include/register calls."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def _routes(ctx: RepoContext) -> set[tuple[str, str, str | None]]:
    return {(r.method, r.path, r.handler) for r in ctx.routes}


def test_fastapi_router_prefix_and_include_router_prefix_combine(fastapi_ctx: RepoContext):
    assert _routes(fastapi_ctx) == {
        ("GET", "/health", "health"),
        ("GET", "/api/v1/users", "list_users"),
        ("POST", "/api/v1/users", "create_user"),
        ("GET", "/api/v1/users/{user_id}", "get_user"),
        ("DELETE", "/api/v1/users/{user_id}", "delete_user"),
        ("GET", "/api/v1/workspaces/{workspace_id}", "get_workspace"),
        ("GET", "/api/v1/workspaces/{workspace_id}/members", "workspace_members"),
        ("POST", "/api/v1/workspaces/{workspace_id}/members", "workspace_members"),
        ("POST", "/api/v1/billing/checkout", "create_checkout_session"),  # imported `as billing_router`
    }
    assert {r.framework for r in fastapi_ctx.routes} == {"fastapi"}
    get_user = next(r for r in fastapi_ctx.routes if r.handler == "get_user")
    assert str(get_user.source) == "app/routers/users.py:11"


def test_flask_blueprints_url_prefix_and_methods(tmp_path, write_file):
    write_file(tmp_path, "shop/__init__.py", '''
from flask import Flask

from .orders import bp as orders_bp
from . import admin


def create_app():
    app = Flask(__name__)
    app.register_blueprint(orders_bp)
    app.register_blueprint(admin.bp, url_prefix="/backoffice")
    return app


app = create_app()


@app.route("/")
def index():
    return "ok"
''')
    write_file(tmp_path, "shop/orders.py", '''
from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.route("/", methods=["GET", "POST"])
def orders():
    return []


@bp.get("/<int:order_id>")
def order(order_id):
    return {}
''')
    write_file(tmp_path, "shop/admin.py", '''
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/stats")
def stats():
    return {}


def ping():
    return "pong"


bp.add_url_rule("/ping", view_func=ping, methods=["HEAD"])
''')
    ctx = scan(tmp_path)
    assert _routes(ctx) == {
        ("GET", "/", "index"),
        ("GET", "/orders/", "orders"),
        ("POST", "/orders/", "orders"),
        ("GET", "/orders/<int:order_id>", "order"),
        # register_blueprint(url_prefix=...) replaces the blueprint's own prefix, as in Flask.
        ("GET", "/backoffice/stats", "stats"),
        ("HEAD", "/backoffice/ping", "ping"),
    }
    assert {r.framework for r in ctx.routes} == {"flask"}


def test_nested_routers_and_unrelated_get_decorators(tmp_path, write_file):
    write_file(tmp_path, "api/app.py", '''
from fastapi import APIRouter, FastAPI
from api import items

api = APIRouter(prefix="/api")
api.include_router(items.router, prefix="/v2")
app = FastAPI()
app.include_router(api)
''')
    write_file(tmp_path, "api/items.py", '''
from fastapi import APIRouter
router = APIRouter(prefix="/items")

@router.get("/{item_id}")
def read_item(item_id: int): ...
''')
    write_file(tmp_path, "tools/cache.py", '''
import functools
cache = {}

@cache.get("/not-a-route")
def nothing(): ...
''')
    ctx = scan(tmp_path)
    assert _routes(ctx) == {("GET", "/api/v2/items/{item_id}", "read_item")}


def test_a_prefix_given_by_a_settings_attribute_is_resolved(tmp_path, write_file):
    """fastapi/full-stack-fastapi-template mounts its API with `prefix=settings.API_V1_STR`,
    a class attribute in another file; its routes are under /api/v1, not at the root."""
    write_file(tmp_path, "app/core/config.py", '''
class Settings:
    API_V1_STR: str = "/api/v1"

settings = Settings()
''')
    write_file(tmp_path, "app/api/routes/items.py", '''
from fastapi import APIRouter
router = APIRouter(prefix="/items")

@router.get("/{id}")
def read_item(id: str): ...
''')
    write_file(tmp_path, "app/main.py", '''
from fastapi import FastAPI
from app.core.config import settings
from app.api.routes import items
app = FastAPI()
app.include_router(items.router, prefix=settings.API_V1_STR)
''')
    assert [(r.method, r.path) for r in scan(tmp_path).routes] == [("GET", "/api/v1/items/{id}")]
    # Two values for the name (one per environment, say): not guessed.
    write_file(tmp_path, "app/core/other.py", 'API_V1_STR = "/api/v2"\n')
    assert [(r.method, r.path) for r in scan(tmp_path).routes] == [("GET", "/items/{id}")]
