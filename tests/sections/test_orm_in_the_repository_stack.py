"""draft --repo: the schema's ORM mapping and migration are written in the repository's own
stack. A FastAPI repository with SQLModel and Alembic gets SQLModel models and an Alembic
revision after its real head, from the same tables as the DDL; without a repository, TypeORM."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from agentspec.agents.packs.integration_requirements.sections import database_schema as section
from agentspec.agents.repository import scan_repository

from . import _data_helpers as h

FASTAPI = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "python-fastapi-alembic"


def _render(stack: list[str], heads: list[str] | None = None, payload: dict | None = None) -> str:
    data = section.MODEL.model_validate(payload or h.schema_payload())
    ctx = dataclasses.replace(h.context(), repo={"stack": stack, "alembic_heads": heads or []})
    return section.render(data, ctx)


def test_a_sqlmodel_repository_gets_sqlmodel_models_and_an_alembic_revision_after_its_head():
    repo = scan_repository(FASTAPI)
    assert "orm SQLModel" in repo["stack"] and "migration tool Alembic" in repo["stack"]
    assert repo["alembic_heads"] == ["9f1c2d3e4b5a"]  # the fixture's last revision
    md = _render(repo["stack"], repo["alembic_heads"])
    assert "**ORM Integration Mapping** (SQLModel, the `sqlmodel` package the repository uses):" in md
    assert "typeorm" not in md.lower()
    models, revision = h.blocks(md, "python")
    for code in (models, revision):
        ast.parse(code)
    # every new table is a model, an existing one is the repository's own and only referenced
    new = [t["name"] for t in h.schema_payload()["tables"] if not t.get("existing")]
    assert [n.value for n in ast.walk(ast.parse(models)) if isinstance(n, ast.Constant) and n.value in new] == new
    assert "class User(" not in models
    assert "down_revision = '9f1c2d3e4b5a'" in revision
    # the downgrade undoes the upgrade, in reverse
    created = [line.split("'")[1] for line in revision.splitlines() if line.strip().startswith("'") and line.strip().endswith("',")]
    dropped = [line.split("'")[1] for line in revision.splitlines() if "op.drop_table(" in line]
    assert created == new and dropped == list(reversed(new))
    # the revision id comes from the feature, so a redraft writes the same file
    assert revision == h.blocks(_render(repo["stack"], repo["alembic_heads"]), "python")[1]


def test_a_uuid_key_without_a_declared_default_is_generated_in_the_models_and_the_revision_as_in_the_ddl():
    """The grounded full-stack-fastapi-template draft's DDL generated stripe_subscriptions.id, and its
    SQLModel model and Alembic revision did not: an insert through the model would write NULL."""
    payload = h.schema_payload()
    new = next(t for t in payload["tables"] if not t.get("existing"))
    key = next(c for c in new["columns"] if c.get("primary_key"))
    key.pop("default", None)
    assert key["type"] == "uuid"
    data = section.MODEL.model_validate(payload)
    assert f"{key['name']} UUID PRIMARY KEY DEFAULT gen_random_uuid()" in section.ddl(data)
    models, revision = h.blocks(_render(["orm SQLModel", "migration tool Alembic"], ["abc"], payload), "python")
    generated = f"sa.Column('{key['name']}', sa.Uuid(), primary_key=True, server_default=sa.text('gen_random_uuid()')"
    assert generated in models and generated in revision
    prisma = h.blocks(_render(["orm Prisma"], None, payload), "prisma")[0]
    assert '@default(dbgenerated("gen_random_uuid()"))' in prisma


def test_a_column_added_to_an_existing_table_is_added_and_dropped_by_the_revision():
    payload = h.schema_payload()
    users = next(t for t in payload["tables"] if t["name"] == "users")
    users["columns"].append({"name": "billing_email", "type": "varchar(255)", "nullable": True, "added": True})
    revision = h.blocks(_render(["orm SQLAlchemy", "migration tool Alembic"], payload=payload), "python")[1]
    assert "op.add_column('users', sa.Column('billing_email', sa.String(255), nullable=True))" in revision
    assert "op.drop_column('users', 'billing_email')" in revision
    assert "down_revision = None" in revision  # no head scanned: the revision says nothing it does not know


def test_sqlalchemy_without_alembic_gets_declarative_models_only_and_no_repository_keeps_typeorm():
    md = _render(["framework Flask", "orm SQLAlchemy"])
    (models,) = h.blocks(md, "python")
    assert "class Base(DeclarativeBase):" in models and "Mapped[" in models
    ast.parse(models)
    plain = h.render(section, section.MODEL.model_validate(h.schema_payload()))
    assert "**ORM Integration Mapping** (TypeORM, the `typeorm` package):" in plain and "```python" not in plain


def test_a_prisma_repository_gets_prisma_models_with_both_sides_of_each_relation():
    repo = scan_repository(FASTAPI.parent / "ts-express-prisma")
    assert "orm Prisma" in repo["stack"]
    md = _render(repo["stack"])
    assert "typeorm" not in md.lower() and "```python" not in md
    (models,) = h.blocks(md, "prisma")
    assert 'model Invoice {' in models and '@@map("invoices")' in models
    assert "customer BillingCustomer @relation(fields: [customer_id], references: [id], onDelete: Restrict)" in models
    assert "invoices Invoice[]" in models  # the parent's side, which Prisma requires
    assert 'payload Json @default("{}")' in models
    # users is the repository's own model: its side of the relation is listed, not the model written again
    assert "model User {" not in models and "// billingCustomer BillingCustomer?" in models


def test_the_consistency_check_reads_the_tables_of_the_repository_s_orm():
    """`agentspec check` on the grounded full-stack-fastapi-template draft failed erd_ddl_orm: it read
    only TypeORM's @Entity, and the mapping was SQLModel's."""
    import json

    from agentspec.checks.consistency import check_erd_ddl_orm
    from agentspec.spec_document import SpecDocument

    payload = h.schema_payload()
    for stack in (["orm SQLModel", "migration tool Alembic"], ["orm Prisma"], []):
        md = "# Spec\n\n## Data Integration\n\n" + _render(stack, ["abc"], payload) + "\n"
        spec = SpecDocument.from_markdown(md)
        spec.spec_json = {"sections": {"database_schema": {"status": "drafted", "data": json.loads(json.dumps(payload))}}}
        score = check_erd_ddl_orm(spec, {})
        assert score.passed, (stack, score.details)
    broken = md.replace("@Entity('invoices')", "@Entity('invoice')")
    spec = SpecDocument.from_markdown(broken)
    spec.spec_json = {"sections": {"database_schema": {"status": "drafted", "data": payload}}}
    assert not check_erd_ddl_orm(spec, {}).passed
