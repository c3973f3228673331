"""Tables from plain SQL migration folders, replayed in filename order (sqlglot, postgres)."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def _columns(table) -> list[tuple]:
    return [(c.name, c.type, c.nullable, c.primary_key, c.references) for c in table.columns]


def test_create_then_alter_add_and_drop_columns(sql_ctx: RepoContext):
    accounts = sql_ctx.table("accounts")
    assert accounts is not None and accounts.origin == "sql_migrations"
    assert _columns(accounts) == [
        ("id", "bigserial", False, True, None),
        ("email", "varchar(255)", False, False, None),
        ("created_at", "timestamp with time zone", False, False, None),  # type as written
        ("plan", "varchar(32)", False, False, None),
        ("stripe_customer_id", "text", True, False, None),
    ]
    assert accounts.column("status") is None  # dropped by 002
    assert accounts.primary_key == ["id"]
    assert str(accounts.source) == "db/migrations/001_create_accounts.sql:2"
    assert str(accounts.column("plan").source) == "db/migrations/002_add_column.sql:1"
    assert str(accounts.column("email").source) == "db/migrations/001_create_accounts.sql:4"


def test_inline_references_and_function_bodies_with_semicolons(sql_ctx: RepoContext):
    orders = sql_ctx.table("orders")
    assert _columns(orders) == [
        ("id", "uuid", False, True, None),
        ("account_id", "bigint", False, False, "accounts.id"),
        ("total_cents", "integer", False, False, None),
        ("currency", "char(3)", False, False, None),
        ("note", "text", True, False, None),
    ]
    assert [t.name for t in sql_ctx.tables] == ["accounts", "orders"]
    assert sql_ctx.stats.problems == []  # the $$ body in 002 did not split into broken statements


def test_files_apply_in_natural_filename_order(tmp_path, write_file):
    # Walk order is V10 < V2 (string order); migrations run V2 before V10.
    write_file(tmp_path, "sql/V10__drop_nickname.sql", "ALTER TABLE people DROP COLUMN nickname;")
    write_file(tmp_path, "sql/V2__people.sql", "CREATE TABLE people (id int PRIMARY KEY, nickname text);")
    write_file(tmp_path, "sql/V3__rename.sql", "ALTER TABLE people RENAME COLUMN id TO person_id;\n"
               "ALTER TABLE people ADD COLUMN born date;\nALTER TABLE people ALTER COLUMN born SET NOT NULL;")
    people = scan(tmp_path).table("people")
    assert _columns(people) == [("person_id", "int", False, True, None), ("born", "date", False, False, None)]
    assert people.primary_key == ["person_id"]


def test_table_constraints_and_schema_qualified_names(tmp_path, write_file):
    write_file(tmp_path, "migrations/001.sql",
               "CREATE TABLE billing.invoices (\n  id integer,\n  account_id integer,\n"
               "  PRIMARY KEY (id),\n  FOREIGN KEY (account_id) REFERENCES accounts (id)\n);\n"
               "ALTER TABLE billing.invoices ADD CONSTRAINT fk2 FOREIGN KEY (id) REFERENCES ledgers (id);\n"
               "DROP TABLE IF EXISTS scratch;\nCREATE TEMP TABLE tmp_load (x int);\n")
    ctx = scan(tmp_path)
    invoices = ctx.table("invoices")
    assert invoices.db_schema == "billing"
    assert _columns(invoices) == [("id", "integer", False, True, "ledgers.id"),
                                  ("account_id", "integer", True, False, "accounts.id")]
    assert ctx.table("tmp_load") is None  # temporary tables are not schema


def test_a_statement_that_does_not_parse_is_a_problem_with_its_line(tmp_path, write_file):
    write_file(tmp_path, "db/001.sql", "CREATE TABLE good (id int);\n\nCREATE TABLE bad (id int NOT NOT NULL);\n"
               "CREATE TABLE after_bad (id int);\n")
    ctx = scan(tmp_path)
    assert [t.name for t in ctx.tables] == ["after_bad", "good"]
    (problem,) = ctx.stats.problems
    assert (problem.path, problem.line) == ("db/001.sql", 3)
    assert "SQL parse error" in problem.reason
