"""Names outside the design spine: what a section may not introduce.

The spine decides the tables, endpoints and infrastructure once; a section that
names one the spine lacks has re-decided the design. These checks read the
rendered markdown (so they hold for every section, whatever its model) and are
part of the draft gate: their findings go back to the model as feedback.

The same functions feed the semantic-defect check that `check` and `eval` report
(agentspec/checks/semantic/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from typing import Any

import yaml
from pydantic import BaseModel

from agentspec.agents.spine import DesignSpine, has

# Infrastructure a section may mention only when the spine has the capability.
# Product names, not generic words: "cache" alone is ordinary prose.
INFRASTRUCTURE: dict[str, tuple[str, ...]] = {
    "message_broker": ("Apache Kafka", "Kafka", "RabbitMQ", "Amazon SQS", "SQS", "SNS", "Kinesis", "NATS", "ActiveMQ",
                       "EventBridge", "Google Pub/Sub", "Pub/Sub", "Azure Service Bus", "Redpanda", "Pulsar"),
    "cache": ("Redis", "Memcached", "ElastiCache", "Valkey"),
    "websocket": ("WebSocket", "wss://", "ws://", "socket.io", "Socket.IO"),
    "graphql": ("GraphQL", "Apollo", "gql`"),
    "mobile_clients": ("iOS", "Android", "React Native", "Flutter"),
}
_NEGATION = re.compile(r"\b(no|not|without|never|none|n/a)\b|not applicable|instead of", re.I)
_NOT_APPLICABLE = re.compile(r"^\s*(>\s*)?(\*\*)?not applicable", re.I)
_PATH = re.compile(r"/api/v[0-9]+(?:/(?:[A-Za-z0-9_.-]+|:[A-Za-z][A-Za-z0-9_]*|\{[A-Za-z][A-Za-z0-9_]*\}|\$\{[^}]+\}))+")
_SQL_FENCE = re.compile(r"^```sql\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True)
class OutsideName:
    kind: str  # "infrastructure" | "endpoint" | "table" | "example"
    name: str
    line: str  # the line it was found on, for the report

    def message(self, spine: DesignSpine | None = None) -> str:
        quote = self.line.strip()[:120]
        if self.kind == "infrastructure":
            return (f"names {self.name}, which the design spine does not include ({quote!r}); the design has no "
                    f"{CAPABILITY_OF[self.name].replace('_', ' ')}: remove it and use the spine's components")
        if self.kind == "endpoint":
            known = ", ".join(f"{e.method} {e.path}" for e in spine.endpoints) if spine else ""
            return f"names endpoint {self.name}, which the design spine does not define; use only: {known or 'none'}"
        if self.kind == "table":
            known = ", ".join(e.table for e in spine.entities) if spine else ""
            return f"uses table {self.name}, which the design spine does not define; use only: {known or 'none'}"
        return (f"copies the example value {self.name!r} from the instructions ({quote!r}); "
                "write this feature's own value")


CAPABILITY_OF = {term: capability for capability, terms in INFRASTRUCTURE.items() for term in terms}


def _term_pattern(term: str) -> re.Pattern[str]:
    start = r"\b" if term[0].isalnum() else ""
    end = r"\b" if term[-1].isalnum() else ""
    return re.compile(start + re.escape(term) + end, re.I if len(term) > 4 else 0)


_TERMS = [(term, capability, _term_pattern(term)) for term, capability in CAPABILITY_OF.items()]


def _sentences(line: str) -> list[str]:
    return re.split(r"(?<=[.;!?])\s+", line)


def infrastructure_outside(markdown: str, spine: DesignSpine) -> list[OutsideName]:
    found: list[OutsideName] = []
    seen: set[str] = set()
    for line in markdown.splitlines():
        if _NOT_APPLICABLE.match(line) or line.lstrip().startswith("#"):
            continue  # the one-line "not applicable" statement, and the template's own headings
        for sentence in _sentences(line):
            if _NEGATION.search(sentence):
                continue  # "no Redis is needed" says the spine's decision, it does not contradict it
            for term, capability, pattern in _TERMS:
                if capability in seen or has(spine, capability) or not pattern.search(sentence):
                    continue
                seen.add(capability)
                found.append(OutsideName("infrastructure", term, line))
    return found


def normalise_path(path: str) -> str:
    """`/api/v1/invoices/{id}`, `/api/v1/invoices/${invoiceId}` and `/api/v1/invoices/:x` are one route."""
    segments = []
    for segment in path.rstrip(".,;)`'\"").split("/"):
        if segment.startswith((":", "{", "${")):
            segment = ":"
        segments.append(segment.lower())
    return "/".join(segments)


def _fills(path: str, route: str) -> bool:
    """Whether a concrete path is a route with its parameters filled in (`/api/v1/callbacks/cb_1`
    for `/api/v1/callbacks/:`): a test calls the route with a value, not with `:id`."""
    given, wanted = path.split("/"), route.split("/")
    # A value has a digit (`cb_1`, a uuid): `/api/v1/invoices/export` is another route, not `:id` filled in.
    return len(given) == len(wanted) and all(g == w or (w == ":" and re.search(r"\d", g)) for g, w in zip(given, wanted))


def endpoints_outside(markdown: str, spine: DesignSpine) -> list[OutsideName]:
    known = {normalise_path(e.path) for e in spine.endpoints}
    found, seen = [], set()
    for line in markdown.splitlines():
        for match in _PATH.finditer(line):
            path = normalise_path(match.group(0))
            if any(_fills(path, k) for k in known):
                continue  # the Twilio draft's test called /api/v1/delivery-status-callbacks/callbackId1
            if path not in known and path not in seen and not any(k.startswith(path + "/") for k in known):
                seen.add(path)
                found.append(OutsideName("endpoint", match.group(0), line))
    return found


_REFERENCES = re.compile(r"\bREFERENCES\s+\"?\w+\"?\s*\([^)]*\)", re.I)


def tables_outside(markdown: str, spine: DesignSpine) -> list[OutsideName]:
    from agentspec.render.sql import referenced_tables

    known = {e.table.lower() for e in spine.entities}
    found, seen = [], set()
    for block in _SQL_FENCE.findall(markdown):
        for statement in block.split(";"):
            if not statement.strip() or statement.strip().startswith("--") and "\n" not in statement.strip():
                continue
            # A table only a foreign key points at already exists (a new one has its own CREATE
            # TABLE, checked here): the schema lists it as existing, and the spine need not.
            for table in sorted(referenced_tables(_REFERENCES.sub("", statement)) if "create table" in statement.lower()
                                else referenced_tables(statement)):
                if table not in known and table not in seen:
                    seen.add(table)
                    first = next((ln for ln in statement.splitlines() if table in ln.lower()), statement.strip()[:80])
                    found.append(OutsideName("table", table, first))
    return found


@lru_cache(maxsize=1)
def known_examples() -> tuple[str, ...]:
    path = resources.files("agentspec.agents").joinpath("known_examples.yaml")
    if not path.is_file():
        return ()
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(str(v).lower() for v in values if str(v).strip())


def copied_examples(answer_text: str, description: str) -> list[OutsideName]:
    """Known example values (the ones prompts once carried) in an answer whose
    feature description does not contain them."""
    text, asked = answer_text.lower(), description.lower()
    return [OutsideName("example", value, value) for value in known_examples() if value in text and value not in asked]


def echoes_field(model: type[BaseModel], name: str, value: object) -> bool:
    """The value (one string of the field) repeats the field's own description."""
    description = model.model_fields[name].description
    return isinstance(value, str) and bool(description) and _echoes(value, description)


def echoed_descriptions(model: type[BaseModel], data: Any, path: str = "",
                        others: dict[str, str] | None = None) -> list[str]:
    """Fields whose value repeats the field's own description: the instruction handed back
    as the answer (the recorded Stripe security section's middleware read "signature
    source, claims checked, clock skew in seconds"). A value counts as an echo when it has
    4 or more words and nearly all of them are the description's words, in any order.
    Another field's description handed back counts too: the tenth-pass deployment answer
    listed monitoring's instruction as a pipeline step."""
    found: list[str] = []
    if not isinstance(data, dict):
        return found
    others = _descriptions(model) if others is None else others
    for name, info in model.model_fields.items():
        value, where = data.get(name), f"{path}{name}"
        inner = _model_of(info.annotation)
        if inner is not None:
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                found += echoed_descriptions(inner, item, f"{where}[{i}]." if isinstance(value, list) else f"{where}.", others)
            continue
        for text in value if isinstance(value, list) else [value]:
            if echoes_field(model, name, text):
                found.append(f"{where} repeats its field description ({text[:60]!r}); write this feature's actual value")
            elif isinstance(text, str):
                other = next((field for field, description in others.items()
                              if field != name and _echoes(text, description)), None)
                if other is not None:
                    found.append(f"{where} repeats the description of field {other} ({text[:60]!r}); write this feature's actual value")
    return found


def echoes_any(model: type[BaseModel], value: object) -> bool:
    """The value repeats the description of any field of the model or the models it holds."""
    return isinstance(value, str) and any(_echoes(value, d) for d in _descriptions(model).values())


@lru_cache(maxsize=None)
def _descriptions(model: type[BaseModel]) -> dict[str, str]:
    """Every field description of a model and the models it holds, by field name; cached per
    class, since the gate and the aligns ask it for every value (callers do not change it)."""
    return _walk_descriptions(model, set())


def _walk_descriptions(model: type[BaseModel], seen: set[type]) -> dict[str, str]:
    if model in seen:
        return {}
    seen.add(model)
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        if info.description:
            found.setdefault(name, info.description)
        inner = _model_of(info.annotation)
        if inner is not None:
            found.update({k: v for k, v in _walk_descriptions(inner, seen).items() if k not in found})
    return found


_WORD = re.compile(r"[a-z0-9]+")


def _echoes(value: str, description: str) -> bool:
    """Nearly all of the value's words are the description's, and the value says most of
    the description: the whole instruction, not one option it offers ("real-time per
    message" from "real-time per message, a schedule with its interval, or on user action")."""
    words = _WORD.findall(value.lower())
    if len(words) < 4:
        return False
    # The whole description, or one clause of it before a ";" (the tenth-pass security answer
    # handed back "tenant column every query on this feature's records is scoped by" from a
    # description whose second clause says when to omit the field).
    for part in [description, *description.split(";")[:-1]]:
        said = set(_WORD.findall(part.lower()))
        if said and sum(w in said for w in words) / len(words) >= 0.85 and len(set(words) & said) / len(said) >= 0.6:
            return True
    return False


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds (directly, in a list, or optional), if any."""
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    for candidate in candidates:
        for inner in [candidate, *getattr(candidate, "__args__", ())]:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


# A block the product supplies (agents/packs/integration_requirements/sections/external_services.provider_facts_block): the
# provider's documented facts, quoted with their source. They may name another product of the
# provider's (S3's facts name SQS), which the model did not choose, so the gate does not read them.
SUPPLIED_BLOCK = re.compile(r"^\*\*Provider facts\*\*.*\n(?:- .*\n?)*", re.M)


# An entry code writes from the repository scan (reusability's scanned patterns): the repository's
# own tables and routes, at the path:line they were read from, which exist whatever the spine decides.
SCANNED_ENTRY = re.compile(r"^- \*\*Pattern/Component\*\*:.*\n  - \*\*Location\*\*: `[^`\n]*` \(found by the repository scan\)\n"
                           r"(?:  - .*(?:\n|$))*", re.M)


def outside_spine(markdown: str, spine: DesignSpine) -> list[OutsideName]:
    markdown = SCANNED_ENTRY.sub("", SUPPLIED_BLOCK.sub("", markdown))
    return infrastructure_outside(markdown, spine) + endpoints_outside(markdown, spine) + tables_outside(markdown, spine)
