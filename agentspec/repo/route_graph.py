"""Prefix resolution shared by the Python and TypeScript route extractors.

Apps and routers are nodes, `include_router`/`register_blueprint`/`app.use`
calls are edges carrying a prefix. A route's full path is the concatenation of
the prefixes along every chain of mounts that reaches its router, so a router
mounted twice yields its routes twice, as the framework would serve them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

MAX_MOUNT_DEPTH = 12  # guards against mount cycles and pathological chains
MAX_PREFIXES = 16  # a router mounted under many parents is rare; cap the blow-up


@dataclass(frozen=True)
class Mount:
    parent: Hashable
    child: Hashable
    prefix: str | None  # None: the mount call gave no prefix
    replaces_own: bool = False  # Flask: register_blueprint(url_prefix=...) replaces the blueprint's own


def join_paths(*parts: str | None) -> str:
    """Concatenate URL path pieces with exactly one slash between them."""
    result = ""
    for part in parts:
        if not part:
            continue
        if not result:
            result = part if part.startswith("/") else "/" + part
        else:
            result = result.rstrip("/") + "/" + part.lstrip("/")
    return result or "/"


class RouteGraph:
    def __init__(self, own_prefix: dict[Hashable, str], mounts: list[Mount]) -> None:
        self.own_prefix = own_prefix
        self.incoming: dict[Hashable, list[Mount]] = {}
        for mount in mounts:
            if mount.parent != mount.child:
                self.incoming.setdefault(mount.child, []).append(mount)

    def prefixes(self, node: Hashable, _depth: int = 0) -> list[str]:
        """Every full prefix (own prefix included) under which `node`'s routes are served."""
        own = self.own_prefix.get(node, "")
        mounts = self.incoming.get(node, [])
        if not mounts or _depth >= MAX_MOUNT_DEPTH:
            return [own]
        out: list[str] = []
        for mount in mounts:
            own_here = "" if (mount.replaces_own and mount.prefix is not None) else own
            for parent_prefix in self.prefixes(mount.parent, _depth + 1):
                full = join_paths(parent_prefix, mount.prefix, own_here)
                if full == "/":
                    full = ""
                if full not in out:
                    out.append(full)
                if len(out) >= MAX_PREFIXES:
                    return out
        return out
