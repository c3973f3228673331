"""The code-example model and renderer used by the six example sections (not a section
itself: the registry only loads the ids listed in sections.yaml)."""

from __future__ import annotations

import re

from pydantic import Field, ValidationInfo, field_validator, model_validator

from agentspec.render.code import EXTENSIONS, code_placeholder, fence_tag, language_of_path, syntax_error
from agentspec.render.markdown import bullets, fence, join_blocks
from agentspec.render.reflow import reflow_typescript
from agentspec.section import SectionModel, ShortText, items
from ._validators import FILE_LINE, check_file_line


MIN_LINES, MAX_LINES, MAX_CHARS = 10, 120, 6000
_LANGUAGES = ", ".join(f"{lang} ({'/'.join(exts)})" for lang, exts in EXTENSIONS.items())


class CodeExample(SectionModel):
    purpose: ShortText = Field(description="one sentence: what this example demonstrates for this feature")
    file_path: ShortText = Field(
        description="a NEW file this feature would add: relative path under the project's source or test directory, folders and file named after this feature's own components, with the language extension"
    )
    # Plain str in the schema: a max_length over 2000 (the shared Code type has 6000) makes
    # llama.cpp reject the whole grammar, so the length is checked in the validator.
    code: str = Field(description="complete, compilable code, 30-80 lines, real names from the sections you depend on")
    key_points: items(ShortText, 2, 5) = Field(description="what the code gets right, one short phrase each")

    @field_validator("purpose", "key_points")
    @classmethod
    def _no_refs(cls, value: object) -> object:
        return check_file_line(value)

    @field_validator("file_path")
    @classmethod
    def _path(cls, value: str, info: ValidationInfo) -> str:
        path = value.strip().strip("`").replace("\\", "/")
        if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", path) or ".." in path.split("/"):
            raise ValueError(f"{value!r}: use a relative path inside the project (no leading /, ~, drive letter or ..)")
        if re.search(r"(?::\d+|#L\d+)$", path):
            raise ValueError(f"{value!r}: give a file path without a line number")
        if not re.fullmatch(r"[A-Za-z0-9_.@()\[\]-]+(?:/[A-Za-z0-9_.@()\[\]-]+)*", path):
            raise ValueError(f"{value!r}: a file path has no spaces or special characters: letters, digits, _ . - and / only")
        language = language_of_path(path)
        if language is None:
            raise ValueError(f"{value!r}: the file needs a source extension: {_LANGUAGES}")
        wanted = (info.context or {}).get("code_language") if isinstance(info.context, dict) else None
        if wanted and language != wanted:
            raise ValueError(f"{value!r} is a {language} file; the examples are in {wanted}, use {'/'.join(EXTENSIONS[wanted])}")
        return path

    @field_validator("code")
    @classmethod
    def _code_text(cls, value: str, info: ValidationInfo) -> str:
        code = value.strip("\n").rstrip()
        path = str(info.data.get("file_path") or "")
        if len(code.splitlines()) < MIN_LINES and (language_of_path(path) or "typescript") == "typescript":
            # A small model's one-line program: a layout problem, fixed by code.
            code = reflow_typescript(code, tsx=path.lower().endswith(".tsx"))
        if len(code) > MAX_CHARS:
            raise ValueError(f"the code has {len(code)} characters; keep the example focused, 30-80 lines (at most {MAX_CHARS} characters)")
        problem = code_placeholder(code)
        if problem:
            raise ValueError(problem)
        ref = FILE_LINE.search(code)
        if ref:
            raise ValueError(f"the code cites {ref.group(0)!r}, a line of a file that does not exist; remove the reference")
        count = len(code.splitlines())
        if count < MIN_LINES:
            raise ValueError(f"the code has {count} lines; write a complete example of 30-80 lines")
        if count > MAX_LINES:
            raise ValueError(f"the code has {count} lines; keep the example focused, 30-80 lines")
        return code

    @model_validator(mode="after")
    def _parses(self) -> "CodeExample":
        """Two slips with one meaning are mended, not re-asked: JSX in a .ts file (the
        code is right and the extension is not) and a bullet list after the program."""
        problem = syntax_error(self.code, self.language, path=self.file_path)
        if problem is None:
            return self
        paths = [self.file_path] + ([self.file_path + "x"] if self.file_path.lower().endswith(".ts") else [])
        codes = list(dict.fromkeys([self.code, without_trailing_prose(self.code)]))
        for code in codes:
            for path in paths:
                if (code, path) != (self.code, self.file_path) and syntax_error(code, self.language, path=path) is None:
                    self.code, self.file_path = code, path
                    return self
        raise ValueError(f"code does not parse as {self.language} ({self.file_path}): {problem}")

    @property
    def language(self) -> str:
        return language_of_path(self.file_path) or "typescript"


# A markdown list item or a "Key points:" heading, as prose, not code.
_PROSE_LINE = re.compile(r"^\s*(?:[-*•] |\d+[.)] |(?://|#)?\s*(?:key points|notes?|explanation)\s*:?\s*$)", re.I)


# The start of another output field written into the code: `key_points:` or
# `const key_points = [` after the program (the eighth-pass Stripe recording, three times).
_FIELD_LINE = re.compile(r"""^\s*(?:(?:export\s+)?(?:const|let|var)\s+)?["']?(?:key_points|purpose|file_path)["']?\s*[:=]""")


def without_trailing_prose(code: str) -> str:
    """The code without what a small model sometimes appends after the program: a bullet
    list ("// Key points:" then "- Mocks the Stripe API") or the start of the key_points
    field itself, which that field holds already. Used only when the program parses without it."""
    lines = code.splitlines()
    end = next((i for i, line in enumerate(lines) if i and _FIELD_LINE.match(line)), len(lines))
    while end and (not lines[end - 1].strip() or _PROSE_LINE.match(lines[end - 1])):
        end -= 1
    return "\n".join(lines[:end]).rstrip() if end < len(lines) else code


# Packages whose import puts a piece of infrastructure in the design: a broker, a
# socket, a cache, a GraphQL layer. Code that imports one the spine does without
# invents a component (the README draft's "event-bus" and kafka examples).
_INFRASTRUCTURE_PACKAGES: dict[str, tuple[str, ...]] = {
    "message_broker": ("kafkajs", "node-rdkafka", "amqplib", "amqp-connection-manager", "@aws-sdk/client-sqs", "@aws-sdk/client-sns",
                       "@google-cloud/pubsub", "nats", "bullmq", "bull", "event-bus", "eventbus", "pika", "kafka", "confluent_kafka",
                       "aiokafka", "celery"),
    "websocket": ("ws", "socket.io", "socket.io-client", "websockets"),
    "cache": ("redis", "ioredis", "memcached", "node-cache", "@upstash/redis"),
    "graphql": ("graphql", "@apollo/client", "@apollo/server", "apollo-server", "graphql-request", "urql", "strawberry", "graphene"),
}
_IMPORTED = re.compile(r"""(?:from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]"""
                       r"""|^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import\b|import\s+([A-Za-z_][\w.]*)\s*(?:as\s+\w+\s*)?$))""", re.M)


def imported_packages(code: str) -> set[str]:
    """Top-level packages the code imports: `@scope/name` for scoped JS modules, the
    first path or dotted part otherwise; relative imports are the feature's own."""
    names = set()
    for from_js, required, bare_js, py_from, py_import in _IMPORTED.findall(code):
        spec, python = from_js or required or bare_js, py_from or py_import
        if spec and not spec.startswith("."):
            parts = spec.split("/")
            names.add("/".join(parts[:2]) if spec.startswith("@") else parts[0])
        elif python:
            names.add(python.split(".")[0])
    return names


def example_spine_checks(data: CodeExample, spine) -> list[str]:  # noqa: ANN001 - agents.spine.DesignSpine
    """An example imports no infrastructure the design spine does without."""
    from agentspec.agents.spine import has

    used = imported_packages(data.code)
    problems = []
    for capability, packages in _INFRASTRUCTURE_PACKAGES.items():
        found = sorted(used & set(packages))
        if found and not has(spine, capability):
            problems.append(f"the code imports {', '.join(found)}, a {capability.replace('_', ' ')} the design spine does without; "
                            "use only the spine's components (handle events in-process where they arrive)")
    return problems


def render_example(data: CodeExample, headings: list[str] | tuple[str, ...], intro: str | None = None) -> str:
    return join_blocks(
        *headings[:-1],
        intro,
        headings[-1],
        f"**Purpose**: {' '.join(data.purpose.split())}",
        f"**File**: `{data.file_path}` (proposed new file)",
        # A .tsx file is fenced as tsx: its JSX parses only with that grammar (the document
        # check reads the tag; the recorded Stripe draft's test failed on exactly this).
        fence("tsx" if data.file_path.lower().endswith(".tsx") else fence_tag(data.language), data.code),
        "**Key Points**:\n" + bullets(data.key_points),
    )


def example_digest(data: CodeExample) -> str:
    return f"- {data.file_path} ({data.language}): {data.purpose}"
