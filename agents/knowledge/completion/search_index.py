"""Search index sync: the lag the index may have behind the tables, stated as a limit that
monitoring alerts on."""

from __future__ import annotations

from agentspec.agents.knowledge.coverage import index_lag_limit
from agentspec.agents.spine import DesignSpine, Limit
from agentspec.agents.knowledge.completion._shared import _defaults, completes


@completes("search_index_sync")
def _index_freshness(spine: DesignSpine, description: str) -> list[str]:
    """How far the search index may fall behind the tables, a number monitoring alerts on."""
    if not any(c.kind == "search_index" for c in spine.components) or index_lag_limit(spine) is not None or len(spine.limits) >= 4:
        return []
    seconds = float(_defaults("search_index_sync").get("index_lag_s", "60"))
    spine.limits.append(Limit(name="index_lag", value=seconds, unit="s", meaning="how far search results may fall behind the tables"))
    return [f"search results may lag the tables by at most {seconds:g} s"]
