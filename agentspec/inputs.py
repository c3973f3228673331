"""Validation of what a user hands to `agentspec draft`. Every problem is a
UsageError (exit 2) raised before any model call or file write."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from agentspec.errors import UsageError
from agentspec.gateway.tokens import count_tokens

MAX_FILE_BYTES = 256 * 1024


def read_description_file(path: Path) -> str:
    """The description in `path` ("-" reads stdin). Reads at most the cap plus
    one byte, so a device (/dev/zero), a pipe or a FIFO cannot exhaust memory:
    st_size is 0 for those, so the size on disk cannot be trusted."""
    name = "stdin" if str(path) == "-" else str(path)
    too_big = UsageError(f"{name} is larger than {MAX_FILE_BYTES // 1024} KiB; a description is a paragraph, not a document")
    try:
        if str(path) == "-":
            raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            if path.is_dir():
                raise UsageError(f"{path} is a directory, not a file", hint="give --file a text file holding the description")
            with path.open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise too_big
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name} is not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})",
                         hint="save the file as UTF-8") from exc


def clean_description(text: str, max_tokens: int) -> str:
    if not text or not text.strip():
        raise UsageError("the feature description is empty", hint='agentspec draft "Sync Stripe invoices into Postgres via webhooks"')
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in "\n\t\r":
            raise UsageError(f"the description contains a control character ({char!r}) at position {index}",
                             hint="remove it; descriptions are plain text")
        if char in "\ud800\udfff" or unicodedata.category(char) == "Cs":
            raise UsageError(f"the description contains an invalid character at position {index}")
    text = " ".join(text.split())
    tokens = count_tokens(text)
    if tokens > max_tokens:
        raise UsageError(f"the description is {tokens} tokens; the budget is {max_tokens}",
                         hint="summarise it (one paragraph), or raise AGENTSPEC_MAX_DESCRIPTION_TOKENS")
    return text


def check_template(name: str, user_dir: Path | None = None) -> dict[str, str] | None:
    """None for the built-in template, else the user's template as {"name", "markdown"};
    UsageError (exit 2) for a missing file, one without `## ` sections or one that is not
    UTF-8, before any model call."""
    from agentspec.packs.lookup import find_template

    from agentspec.packs.lookup import builtin_markdown
    from agentspec.spec_document import BUILT_IN_TEMPLATE

    template = find_template(name, user_dir or Path.home() / ".config" / "agentspec")
    # The built-in template, or an unedited copy of it (`templates init`), is drafted by its own
    # sections, whose renderers and checks know it better than any compiled pack.
    if template.markdown == builtin_markdown(BUILT_IN_TEMPLATE) or (template.where == "built-in" and template.name == BUILT_IN_TEMPLATE):
        return None
    template.sections()  # compiles, or says why not
    return {"name": template.name, "markdown": template.markdown}
