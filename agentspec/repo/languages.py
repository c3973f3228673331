"""Languages by file extension: cheap, and enough to tell a spec which
language its code examples should be in."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentspec.repo.context import LanguageStat

EXTENSIONS = {
    ".py": "Python", ".pyi": "Python", ".ts": "TypeScript", ".tsx": "TypeScript", ".mts": "TypeScript",
    ".cts": "TypeScript", ".js": "JavaScript", ".jsx": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript",
    ".go": "Go", ".java": "Java", ".kt": "Kotlin", ".kts": "Kotlin", ".rb": "Ruby", ".php": "PHP", ".cs": "C#",
    ".rs": "Rust", ".swift": "Swift", ".scala": "Scala", ".ex": "Elixir", ".exs": "Elixir", ".c": "C", ".h": "C",
    ".cpp": "C++", ".cc": "C++", ".hpp": "C++", ".sql": "SQL", ".prisma": "Prisma", ".vue": "Vue",
    ".svelte": "Svelte", ".html": "HTML", ".css": "CSS", ".scss": "CSS", ".sh": "Shell", ".bash": "Shell",
    ".dart": "Dart", ".lua": "Lua", ".r": "R", ".tf": "Terraform", ".proto": "Protocol Buffers",
    ".graphql": "GraphQL", ".gql": "GraphQL",
}


@dataclass
class LanguageCounter:
    _files: dict[str, int] = field(default_factory=dict)
    _extensions: dict[str, set[str]] = field(default_factory=dict)
    _sample: dict[str, str] = field(default_factory=dict)

    def add(self, rel: str, suffix: str) -> None:
        language = EXTENSIONS.get(suffix)
        if language is None:
            return
        self._files[language] = self._files.get(language, 0) + 1
        self._extensions.setdefault(language, set()).add(suffix)
        self._sample.setdefault(language, rel)

    def stats(self) -> list[LanguageStat]:
        ordered = sorted(self._files.items(), key=lambda item: (-item[1], item[0]))
        return [LanguageStat(name=name, files=count, extensions=sorted(self._extensions[name]),
                             sample=self._sample[name]) for name, count in ordered]
