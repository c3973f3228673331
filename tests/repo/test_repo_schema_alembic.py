"""Tables from Alembic revisions (chain order, via ast) and from SQLModel/SQLAlchemy models."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def _columns(table) -> list[tuple]:
    return [(c.name, c.type, c.nullable, c.primary_key, c.references) for c in table.columns]


def test_revisions_replay_in_down_revision_order_not_file_order(fastapi_ctx: RepoContext):
    # The ALTER revision's file name sorts first; replayed in file order the add/drop
    # would hit a table that does not exist yet, and legacy_flag would survive.
    users = fastapi_ctx.table("users")
    assert users.origin == "alembic"
    assert _columns(users) == [
        ("id", "integer", False, True, None),
        ("email", "varchar(255)", False, False, None),
        ("workspace_id", "uuid", True, False, "workspaces.id"),
        ("display_name", "varchar(80)", True, False, None),
    ]
    assert str(users.source) == "alembic/versions/b7e2a1c0d9f8_create_workspaces_users.py:23"
    assert str(users.column("display_name").source) == "alembic/versions/9f1c2d3e4b5a_alter_users.py:16"


def test_primary_key_constraint_and_batch_alter_table(fastapi_ctx: RepoContext):
    workspaces = fastapi_ctx.table("workspaces")
    assert workspaces.primary_key == ["id"]
    assert _columns(workspaces) == [
        ("id", "uuid", False, True, None),
        ("name", "varchar(120)", False, False, None),
        ("plan", "text", False, False, None),  # batch_op.add_column inside op.batch_alter_table
    ]


def test_models_are_cited_and_unmigrated_models_are_tables_of_their_own(fastapi_ctx: RepoContext):
    assert [t.name for t in fastapi_ctx.tables] == ["auditlog", "users", "workspaces"]
    assert [str(s) for s in fastapi_ctx.table("users").also_declared_in] == ["app/models.py:17"]
    audit = fastapi_ctx.table("auditlog")  # SQLModel's default table name: the class name, lower case
    assert audit.origin == "orm_model"
    assert _columns(audit) == [("id", "integer", False, True, None), ("action", "varchar", False, False, None),
                               ("created_at", "timestamp", False, False, None)]
    assert fastapi_ctx.table("userread") is None  # a SQLModel without table=True is not a table


def test_sqlalchemy_declarative_models(tmp_path, write_file):
    write_file(tmp_path, "app/db.py", '''
from typing import Optional
import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Integer, String, DateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id = Column(Integer, primary_key=True)
    number = Column("invoice_number", String(32), nullable=False)
    customer_id = Column(ForeignKey("customers.id"))
    issued_at = Column(DateTime(timezone=True))
    customer = relationship("Customer")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    note: Mapped[Optional[str]]
    invoices: Mapped[list["Invoice"]] = relationship(back_populates="customer")
''')
    ctx = scan(tmp_path)
    assert _columns(ctx.table("invoices")) == [
        ("id", "integer", False, True, None),
        ("invoice_number", "varchar(32)", False, False, None),
        ("customer_id", None, True, False, "customers.id"),
        ("issued_at", "timestamptz", True, False, None),
    ]
    assert _columns(ctx.table("customers")) == [
        ("id", "integer", False, True, None),
        ("email", "varchar(320)", False, False, None),
        ("note", "varchar", True, False, None),
    ]
    assert ctx.table("base") is None


def test_alembic_rename_alter_and_drop_table(tmp_path, write_file):
    write_file(tmp_path, "migrations/versions/001_init.py", '''
from alembic import op
import sqlalchemy as sa

revision = "001"
down_revision = None

def upgrade():
    op.create_table("tmp", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table("people", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("nick", sa.Text()))

def downgrade():
    op.drop_table("never_applied")
''')
    write_file(tmp_path, "migrations/versions/002_more.py", '''
from alembic import op
import sqlalchemy as sa

revision = "002"
down_revision = "001"

def upgrade():
    op.drop_table("tmp")
    op.rename_table("people", "persons")
    op.alter_column("persons", "nick", new_column_name="nickname", nullable=False, type_=sa.String(50))
''')
    ctx = scan(tmp_path)
    assert [t.name for t in ctx.tables] == ["persons"]
    assert _columns(ctx.table("persons")) == [("id", "integer", False, True, None),
                                              ("nickname", "varchar(50)", False, False, None)]


def test_a_key_replaced_by_a_uuid_keeps_its_primary_key(tmp_path, write_file):
    """The pattern of fastapi/full-stack-fastapi-template's d98dd8ec85a3 revision: integer ids
    replaced by UUIDs, the key re-created by op.create_primary_key(name, table, columns),
    whose first argument is the constraint's name, not the table's."""
    write_file(tmp_path, "app/alembic/versions/001_init.py", '''
from alembic import op
import sqlalchemy as sa

revision = "001"
down_revision = None

def upgrade():
    op.create_table("user", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_table("item", sa.Column("id", sa.Integer(), nullable=False), sa.Column("owner_id", sa.Integer()),
                    sa.ForeignKeyConstraint(["owner_id"], ["user.id"]), sa.PrimaryKeyConstraint("id"))
''')
    write_file(tmp_path, "app/alembic/versions/002_uuid.py", '''
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "002"
down_revision = "001"

def upgrade():
    op.add_column("user", sa.Column("new_id", postgresql.UUID(as_uuid=True)))
    op.add_column("item", sa.Column("new_owner_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.drop_constraint("item_owner_id_fkey", "item", type_="foreignkey")
    op.drop_column("item", "owner_id")
    op.alter_column("item", "new_owner_id", new_column_name="owner_id")
    op.drop_column("user", "id")
    op.alter_column("user", "new_id", new_column_name="id")
    op.create_primary_key("user_pkey", "user", ["id"])
    op.create_foreign_key("item_owner_id_fkey", "item", "user", ["owner_id"], ["id"])
''')
    ctx = scan(tmp_path)
    user = ctx.table("user")
    assert user.primary_key == ["id"] and _columns(user)[0][:2] == ("id", "uuid")
    assert ("owner_id", "uuid", True, False, "user.id") in _columns(ctx.table("item"))
    assert "user_pkey" not in [t.name for t in ctx.tables]
