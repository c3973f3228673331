"""Deterministic repository scanner: ground a spec in the user's codebase.

`scan(root)` walks a repository (honouring .gitignore, never running its code,
never touching the network) and returns a `RepoContext`: stack, tables, routes,
environment variable names, existing SDK clients and message topics, each with
the file and line where it was found.
"""

from __future__ import annotations

from agentspec.repo.context import (
    ClientUse,
    Column,
    EnvVar,
    LanguageStat,
    Problem,
    RepoContext,
    Route,
    ScanStats,
    Source,
    StackItem,
    Table,
    Topic,
)
from agentspec.repo.scanner import scan

__all__ = [
    "ClientUse",
    "Column",
    "EnvVar",
    "LanguageStat",
    "Problem",
    "RepoContext",
    "Route",
    "ScanStats",
    "Source",
    "StackItem",
    "Table",
    "Topic",
    "scan",
]
