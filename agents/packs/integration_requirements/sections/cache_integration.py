"""### Cache Integration / #### Caching Strategy (implementation-specialist).

Renders the template's `cacheIntegration` object. Key patterns, invalidation
rules and the three caching patterns are data; validators make every
invalidated key a declared key and require at least one pattern in use."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from agentspec.render.markdown import fence, join_blocks
from agentspec.render.typescript import ts_const, ts_identifier
from agentspec.section import Ident, RenderContext, SectionModel, ShortText, items

from ._headings import headings_of

KeyPattern = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=80, pattern=r"^[a-z][a-z0-9_-]*(:([a-z0-9_-]+|\{[a-z][a-zA-Z0-9_]*\}))+$"),
]
Eviction = Literal["allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "volatile-ttl", "noeviction"]
_PARAM = re.compile(r"\{([a-z][a-zA-Z0-9_]*)\}")


class Invalidation(SectionModel):
    trigger: ShortText = Field(description="what makes cached data stale: an event name or a write to a table, by its exact name")
    keys: items(KeyPattern, 1, 3) = Field(description="key patterns deleted when it happens (from keys)")


class PatternUse(SectionModel):
    used: bool
    how: ShortText = Field(description="if used: how it works here; if not: why not")


class CacheIntegration(SectionModel):
    provider: ShortText = Field(description="application cache product with its major version, and where it is hosted")
    ttl_seconds: int = Field(ge=1, le=604_800, description="default time to live")
    keys: items(KeyPattern, 0, 4) = Field(default_factory=list, description="key patterns, lowercase colon-separated: a prefix for this feature, the entity, then {column} placeholders; empty if the feature keeps no application cache")
    eviction: Eviction = Field(description="Redis maxmemory-policy or equivalent")
    cached_tables: items(Ident, 0, 4) = Field(default_factory=list, description="database_schema tables whose rows are cached (exact names); empty if no table rows are cached")
    db_provider: ShortText = Field(description="database-side caching the feature relies on, by mechanism name, or none and why")
    db_strategy: ShortText = Field(description="how the database layer avoids repeated work")
    invalidation: items(Invalidation, 0, 4) = Field(default_factory=list, description="one rule per cause of staleness; needed whenever keys are declared")
    cache_aside: PatternUse
    write_through: PatternUse
    write_back: PatternUse

    @model_validator(mode="after")
    def _consistent(self) -> "CacheIntegration":
        for rule in self.invalidation:
            unknown = [k for k in rule.keys if k not in self.keys]
            if unknown:
                raise ValueError(f"invalidation on {rule.trigger!r} deletes {unknown}, which are not in keys {self.keys}; use declared key patterns")
        if self.keys and not self.invalidation:
            raise ValueError("keys are declared but no invalidation rule says what makes them stale; add one per cause")
        if not self.keys and (self.cached_tables or self.invalidation):
            raise ValueError("cached_tables and invalidation refer to cache keys, but keys is empty; declare the key patterns or empty both")
        if self.keys and not (self.cache_aside.used or self.write_through.used or self.write_back.used):
            raise ValueError("no caching pattern is used; set used true on cache_aside, write_through or write_back")
        if not self.keys and (self.cache_aside.used or self.write_through.used or self.write_back.used):
            raise ValueError("a caching pattern is used but keys is empty; declare the key patterns it uses, or set used false")
        if self.write_back.used and self.eviction == "allkeys-lru":
            raise ValueError("write-back keeps unflushed writes in the cache; allkeys-lru could evict them: use noeviction or volatile-lru with TTLs")
        return self


MODEL = CacheIntegration
HEADINGS = headings_of(__name__)
MAX_TOKENS = 1100


def _pattern(use: PatternUse) -> str:
    text = " ".join(use.how.split())
    return text if use.used else f"not used: {text}"


def cache_object(data: CacheIntegration) -> str:
    if data.keys:
        application: dict[str, object] = {
            "provider": data.provider,
            "ttl": data.ttl_seconds,
            "keys": list(data.keys),
            "eviction": data.eviction,
            "tables": list(data.cached_tables) or "none: the cached data are not table rows",
        }
        invalidation: object = [f"on {r.trigger}: delete {', '.join(r.keys)}" for r in data.invalidation]
    else:
        application = {"provider": data.provider, "keys": "none: the feature keeps no application cache"}
        invalidation = "none: no application cache keys to invalidate"
    value = {
        "layers": {
            "application": application,
            "database": {
                "provider": data.db_provider,
                "strategy": data.db_strategy,
                "invalidation": invalidation,
            },
        },
        "patterns": {
            "cacheAside": _pattern(data.cache_aside),
            "writeThrough": _pattern(data.write_through),
            "writeBack": _pattern(data.write_back),
        },
    }
    return ts_const("cacheIntegration", value, "Cache integration configuration")


def render(data: CacheIntegration, ctx: RenderContext) -> str:
    section, strategy_heading = HEADINGS
    return join_blocks(section, strategy_heading, fence("typescript", cache_object(data)))


def digest(data: CacheIntegration) -> str:
    used = [n for n, p in (("cache-aside", data.cache_aside), ("write-through", data.write_through), ("write-back", data.write_back)) if p.used]
    if not data.keys:
        return f"Cache: no application cache keys; database side: {data.db_provider}"
    lines = [
        f"Cache: {data.provider}, TTL {data.ttl_seconds}s, eviction {data.eviction}, patterns: {', '.join(used)}",
        f"Keys: {', '.join(data.keys)} (tables {', '.join(data.cached_tables) or 'none'})",
    ]
    lines += [f"- invalidate {', '.join(r.keys)} on {r.trigger}" for r in data.invalidation]
    return "\n".join(lines)


def cross_checks(data: CacheIntegration, sections: dict) -> list[str]:
    """Problems against database_schema: cached tables exist, and every {param}
    in a key pattern is a column of a cached table, <singular table>_id or
    <singular last word of the table>_id."""
    from .database_schema import singular, table_columns

    schema = sections.get("database_schema")
    if schema is None:
        return []
    known = table_columns(schema)
    problems = [
        f"cache_integration caches table {t!r}, which database_schema does not define (tables: {sorted(known)})"
        for t in data.cached_tables
        if t not in known
    ]
    if not data.cached_tables:
        return problems  # keys over data that are not table rows (provider responses): no columns to check against
    columns = set().union(*(known.get(t, set()) for t in data.cached_tables))
    for t in data.cached_tables:
        # {invoice_id} names invoices.id, and stripe_invoices.id too (the key names the entity, not the table)
        for key_name in {singular(t) + "_id", singular(t.rsplit("_", 1)[-1]) + "_id"}:
            columns |= {key_name, ts_identifier(key_name)}
    for key in data.keys:
        for param in _PARAM.findall(key):
            if param not in columns:
                problems.append(f"cache key {key!r} uses {{{param}}}, which is not a column of {list(data.cached_tables)}")
    return problems
