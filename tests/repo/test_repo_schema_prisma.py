"""Tables from a Prisma schema and from Prisma's migration.sql files."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def test_prisma_migrations_define_the_deployed_tables(express_ctx: RepoContext):
    assert [t.name for t in express_ctx.tables] == ["audit_events", "organizations", "posts", "users"]
    posts = express_ctx.table("posts")
    assert posts.origin == "prisma_migrations"
    assert [(c.name, c.type, c.nullable) for c in posts.columns] == [
        ("id", "SERIAL", False), ("title", "VARCHAR(200)", False), ("body", "TEXT", True),
        ("author_id", "INTEGER", False), ("published", "BOOLEAN", False),  # from the second migration
    ]
    assert posts.column("author_id").references == "users.id"  # ALTER TABLE ... ADD CONSTRAINT
    assert str(posts.column("published").source) == \
        "prisma/migrations/20240215093000_add_post_published/migration.sql:2"
    # The schema declares the same table; it is cited, not duplicated.
    assert [str(s) for s in posts.also_declared_in] == ["prisma/schema.prisma:37"]


def test_schema_only_models_come_from_schema_prisma(express_ctx: RepoContext):
    audit = express_ctx.table("audit_events")  # @@map("audit_events") on model AuditEvent
    assert audit.origin == "prisma_schema"
    assert [(c.name, c.type, c.nullable, c.primary_key) for c in audit.columns] == [
        ("id", "bigint", False, True), ("action", "text", False, False),
        ("payload", "jsonb", True, False), ("created_at", "timestamp(3)", False, False),  # @map("created_at")
    ]
    assert str(audit.source) == "prisma/schema.prisma:49"
    assert str(audit.column("payload").source) == "prisma/schema.prisma:52"


def test_schema_fields_map_names_types_relations_and_ids(tmp_path, write_file):
    write_file(tmp_path, "prisma/schema.prisma", """
enum Plan {
  FREE
  PRO
}

model Team {
  id      String   @id @default(uuid()) @db.Uuid
  plan    Plan     @default(FREE)
  tags    String[]
  members Member[]
  @@map("teams")
}

model Member {
  teamId   String @map("team_id") @db.Uuid // FK
  userId   Int    @map("user_id")
  nickname String? @db.VarChar(40)
  team     Team   @relation(fields: [teamId], references: [id])
  @@id([teamId, userId])
  @@map(name: "team_members")
}
""")
    ctx = scan(tmp_path)
    team = ctx.table("teams")
    assert [(c.name, c.type, c.nullable, c.primary_key) for c in team.columns] == [
        ("id", "uuid", False, True), ("plan", "Plan", False, False), ("tags", "text[]", False, False)]
    members = ctx.table("team_members")
    assert members.primary_key == ["team_id", "user_id"]
    assert [(c.name, c.type, c.nullable, c.references) for c in members.columns] == [
        ("team_id", "uuid", False, "teams.id"), ("user_id", "integer", False, None),
        ("nickname", "varchar(40)", True, None)]
    assert ctx.stats.problems == []
