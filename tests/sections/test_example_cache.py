from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import example_cache as section
from agentspec.agents.packs.integration_requirements.sections.example_cache import CacheExample

from ._general_helpers import assert_rejects, check_rendered, code_blocks, context

PY_CODE = '''\
"""Cache-aside for Stripe prices and workspace entitlements (redis.asyncio)."""
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
redis = Redis.from_url(os.environ["REDIS_URL"], socket_timeout=0.2)

PRICES_KEY = "stripe:prices:v1"
PRICES_TTL_S = 15 * 60
ENTITLEMENTS_TTL_S = 5 * 60


def entitlements_key(workspace_id: str) -> str:
    return f"billing:entitlements:{workspace_id}"


async def get_or_set(key: str, ttl_s: int, load: Callable[[], Awaitable[Any]]) -> Any:
    try:
        cached = await redis.get(key)
        if cached is not None:
            return json.loads(cached)
    except RedisError:
        log.warning("cache unavailable, reading through", extra={"key": key})
        return await load()
    value = await load()
    try:
        await redis.set(key, json.dumps(value), ex=ttl_s)
    except RedisError:
        log.warning("cache write skipped", extra={"key": key})
    return value


async def invalidate_entitlements(workspace_id: str) -> None:
    try:
        await redis.delete(entitlements_key(workspace_id))
    except RedisError:
        log.warning("invalidation failed; TTL bounds staleness", extra={"workspace_id": workspace_id})
'''

DATA = {
    "purpose": "Cache Stripe prices and entitlements with graceful degradation",
    "file_path": "app/billing/cache.py",
    "code": PY_CODE,
    "key_points": ["Keys and TTLs match the caching strategy", "Redis errors fall back to the source", "Entitlements invalidated on subscription change"],
}


def test_renders_example_5_in_python() -> None:
    ctx = context(brief=context().brief.model_copy(update={"code_language": "python"}))
    md = check_rendered(section, CacheExample.model_validate(DATA), ctx)
    assert md.startswith("### Example 5: Cache Integration Pattern\n\n")
    [(lang, body)] = code_blocks(md)
    assert lang == "python" and "stripe:prices:v1" in body


def test_go_example_is_bracket_checked() -> None:
    go = """\
package billing

import (
\t"context"
\t"time"

\t"github.com/redis/go-redis/v9"
)

const pricesKey = "stripe:prices:v1"

func GetPrices(ctx context.Context, rdb *redis.Client, load func() (string, error)) (string, error) {
\tif v, err := rdb.Get(ctx, pricesKey).Result(); err == nil {
\t\treturn v, nil
\t}
\tv, err := load()
\tif err != nil {
\t\treturn "", err
\t}
\trdb.Set(ctx, pricesKey, v, 15*time.Minute)
\treturn v, nil
}
"""
    md = check_rendered(section, CacheExample.model_validate(DATA | {"file_path": "internal/billing/cache.go", "code": go}))
    assert code_blocks(md)[0][0] == "go"
    cut = go.rsplit("}", 1)[0]
    assert_rejects(CacheExample, DATA | {"file_path": "internal/billing/cache.go", "code": cut}, "never closed")
