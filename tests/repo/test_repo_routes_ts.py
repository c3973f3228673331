"""Express (app.use prefixes across files), NestJS (controller + global prefix) and OpenAPI routes."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def _routes(ctx: RepoContext, framework: str) -> set[tuple[str, str, str | None]]:
    return {(r.method, r.path, r.handler) for r in ctx.routes if r.framework == framework}


def test_express_routes_get_the_prefixes_of_every_mount(express_ctx: RepoContext):
    assert _routes(express_ctx, "express") == {
        ("GET", "/", None),
        ("GET", "/api/users", "listUsers"),  # app.use('/api', router) -> router.use('/users', usersRouter)
        ("GET", "/api/users/:id", "getUser"),
        ("POST", "/api/users", None),  # inline handler: anonymous
        ("GET", "/api/posts/:id", "posts.getPost"),  # router.route('/:id').get(...).patch(...)
        ("PATCH", "/api/posts/:id", "posts.updatePost"),
        ("POST", "/api/posts/:id/publish", "posts.publishPost"),
        ("GET", "/healthz", None),  # named export, mounted without a prefix
        ("GET", "/v0/ping", "ping"),  # CommonJS module.exports, mounted with an inline require()
    }
    patch = next(r for r in express_ctx.routes if r.method == "PATCH")
    assert str(patch.source) == "src/routes/posts.ts:8"


def test_nest_controllers_with_global_prefix(sql_ctx: RepoContext):
    assert _routes(sql_ctx, "nestjs") == {
        ("GET", "/api/accounts", "AccountsController.findAll"),
        ("GET", "/api/accounts/:id", "AccountsController.findOne"),
        ("POST", "/api/accounts", "AccountsController.create"),
        ("PATCH", "/api/accounts/:id/plan", "AccountsController.changePlan"),
        ("GET", "/api/orders/:id", "OrdersController.findOne"),  # @Controller({ path: 'orders' })
        ("DELETE", "/api/orders/:id", "OrdersController.remove"),
    }
    find_one = next(r for r in sql_ctx.routes if r.handler == "AccountsController.findOne")
    assert str(find_one.source) == "nest/src/accounts/accounts.controller.ts:10"


def test_openapi_paths_with_operation_ids_and_lines(sql_ctx: RepoContext):
    assert _routes(sql_ctx, "openapi") == {
        ("GET", "/api/accounts", "listAccounts"),
        ("POST", "/api/accounts", "createAccount"),
        ("GET", "/api/accounts/{id}", "getAccount"),  # `parameters` is not a method
    }
    create = next(r for r in sql_ctx.routes if r.handler == "createAccount")
    assert str(create.source) == "docs/openapi.yaml:12"


def test_javascript_commonjs_and_non_route_calls(tmp_path, write_file):
    write_file(tmp_path, "server.js", """
const express = require('express');
const { adminRouter } = require('./admin');
const app = express();
app.set('view engine', 'pug');
app.get('env');
app.use('/admin', adminRouter);
const cache = new Map();
cache.get('/not/a/route', 1);
app.post('/login', function (req, res) {});
""")
    write_file(tmp_path, "admin.js", """
const router = require('express').Router();
router.delete('/users/:id', removeUser);
module.exports = { adminRouter: router };
""")
    write_file(tmp_path, "openapi.json",
               '{"openapi": "3.1.0", "paths": {"/pets": {"get": {"operationId": "listPets"}}}}')
    ctx = scan(tmp_path)
    assert _routes(ctx, "express") == {("POST", "/login", None), ("DELETE", "/admin/users/:id", "removeUser")}
    assert _routes(ctx, "openapi") == {("GET", "/pets", "listPets")}
