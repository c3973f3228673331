"""Byte-level pre-checks that decide whether a file is worth parsing for a concern.

Parsing (ast, tree-sitter) and walking a tree cost far more than looking for a
few literal words, and most files of a repository hold no route, model, env
read or SDK import. Literal `in` tests run at memchr speed; a regex runs only
when its gate words are present, because alternations without a fixed prefix
are slow in Python's re.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    words: tuple[bytes, ...] = ()  # any of these present: yes
    patterns: tuple[re.Pattern[bytes], ...] = ()  # else, any of these matching: yes...
    gate: tuple[bytes, ...] = ()  # ...but they only run when one of these is present (empty: always)

    def search(self, data: bytes) -> bool:
        if any(word in data for word in self.words):
            return True
        if not self.patterns:
            return False
        if self.gate and not any(word in data for word in self.gate):
            return False
        return any(pattern.search(data) is not None for pattern in self.patterns)
