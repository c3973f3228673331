"""The shape of the knowledge library (agents/knowledge/*.yaml).

Archetypes are written for any feature of their kind, never for one provider:
what a senior engineer checks first, which section owns it, and which coverage
predicate (agents/knowledge/coverage.py) decides from the spec's structured
fields whether the spec states it. Provider notes hold sourced facts only:
a fact without the provider's documentation page is not a fact here.

Every model forbids unknown keys, so a misspelt key in the YAML is an error
rather than a silently ignored line."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from typing_extensions import Annotated

from agentspec.agents.spine import ComponentKind, Direction, EndpointKind

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,62}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=400)]
Priority = Literal["P1", "P2"]
HttpsUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://[^\s]+$")]

# What a trigger may look at: the spine's structural enums, nothing said in prose.
TRIGGER_VALUES: dict[str, frozenset[str]] = {
    "external_direction": frozenset(get_args(Direction)),
    "component_kind": frozenset(get_args(ComponentKind)),
    "endpoint_kind": frozenset(get_args(EndpointKind)),
}
SpineElement = Literal["component", "external_system", "entity", "endpoint", "event", "role", "setting", "surface",
                       "failure_policy", "limit"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(Strict):
    """The archetype applies when the spine has any of these values in this place."""
    where: Literal["external_direction", "component_kind", "endpoint_kind"]
    any_of: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_values(self) -> "Trigger":
        unknown = sorted(set(self.any_of) - TRIGGER_VALUES[self.where])
        if unknown:
            raise ValueError(f"trigger where {self.where}: unknown value(s) {unknown}; known: {sorted(TRIGGER_VALUES[self.where])}")
        return self


class Decision(Strict):
    """The rule the library decides for a concern when the answer states none (completion/
    `_decided_rules`). `statement` may name {system}, {format}, {store}, {table}, {key} and
    {version}; a rule whose names the design cannot fill is not made, and the concern stays open."""
    applies_to: list[Literal["file_import", "file_export", "identity_provider", "synced_table", "edited_table"]] = Field(
        min_length=1, description="an external system of these directions, or a table: synced (unique on a "
                                  "provider's id) or edited (written by a service for people)")
    statement: Text


class Concern(Strict):
    id: Id
    what: Text = Field(description="the decision the spec must make")
    why: Text = Field(description="what goes wrong without it")
    owner: Id = Field(description="section id (agents/packs/integration_requirements/sections.yaml) whose content states it")
    priority: Priority
    states: list[Text] = Field(min_length=1, description="what a spec must state to cover it")
    covered_when: Id = Field(description="name of a predicate in agents/knowledge/coverage.py COVERED_WHEN")
    decision: Decision | None = None


class Implied(Strict):
    """A spine element the archetype implies, e.g. {element: endpoint, kind: webhook_receiver}."""
    element: SpineElement
    kind: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    note: Text | None = None


class FailureScenario(Strict):
    name: Text
    priority: Priority


class Metric(Strict):
    name: Id
    alert: Text = Field(description="when it pages or warns")
    rule: Text | None = Field(None, description="the starting alert rule: a numeric threshold, a window and page or warn")


class Archetype(Strict):
    id: Id
    title: Text
    summary: Text
    cues: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9 .'/-]{1,40}$")]] = Field(
        default_factory=list, description="description words that suggest the archetype before the spine exists")
    triggers: list[Trigger] = Field(description="structural conditions on the spine; empty: applies only when declared")
    concerns: list[Concern] = Field(min_length=4, max_length=8)
    implies: list[Implied] = Field(min_length=1)
    failure_scenarios: list[FailureScenario] = Field(min_length=1)
    metrics: list[Metric] = Field(min_length=1)
    defaults: dict[Id, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]] = Field(default_factory=dict, description=(
        "what code decides when the model's design leaves it open (completion/ reads these by name)"))


class ProviderFact(Strict):
    topic: Id
    fact: Text
    source_url: HttpsUrl = Field(description="the provider's own documentation page the fact is quoted from")


Value = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{1,40}$")]


class ProviderValues(Strict):
    """The documented values of one field of one provider record (an invoice's status),
    so a spec that stores another value ("pending") is caught by a check."""
    record: Id = Field(description="the record, singular: invoice")
    field: Id = Field(description="its field: status")
    values: list[Value] = Field(min_length=2)
    source_url: HttpsUrl = Field(description="the provider's own page listing the values")
    # The stages the values move through, where the provider documents a lifecycle (a message is
    # queued, then sending, then sent, then delivered or failed). A record whose updates carry no
    # provider timestamp applies a value only when it belongs to a later stage, so an older
    # callback that arrives last never overwrites a newer status.
    lifecycle: list[list[Value]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _lifecycle_uses_the_values(self) -> "ProviderValues":
        unknown = {v for stage in self.lifecycle for v in stage} - set(self.values)
        if unknown:
            raise ValueError(f"lifecycle names values the field does not have: {', '.join(sorted(unknown))}")
        return self


class ProviderEvents(Strict):
    """The webhook event types a provider sends about one record that change its state, so a
    design that names a generic event ("received.event") or only one of them is completed."""
    record: Id = Field(description="the record, singular: invoice")
    types: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*){1,3}$")]] = Field(
        min_length=1, max_length=5, description="the types that change the record's state: what a sync handles")
    others: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*){1,3}$")]] = Field(
        default_factory=list, description="the record's other documented types: with `types`, every name a spec may use")
    source_url: HttpsUrl = Field(description="the provider's own page listing the event types")


class ProviderOwner(Strict):
    """Whose a provider record is, as the provider documents it: a Stripe subscription's `customer`
    field holds the ID of the customer who owns it. A record the feature keeps for one of its own
    rows (each user's subscription) is linked to that row through the owner's provider id."""
    record: Id = Field(description="the record, singular: subscription")
    field: Id = Field(description="the record's field that holds its owner's provider id: customer")
    owner: Id = Field(description="the provider's record that owns it, singular: customer")
    source_url: HttpsUrl = Field(description="the provider's own page documenting the field")


class RateLimit(Strict):
    """The provider's documented request limit a design plans under (external services)."""
    requests: int = Field(gt=0)
    per: Literal["s", "min"]
    scope: Text = Field(description="what the limit counts, as the page says")
    source_url: HttpsUrl = Field(description="the provider's own page stating the limit")

    @property
    def per_minute(self) -> int:
        return self.requests * (60 if self.per == "s" else 1)


class Redelivery(Strict):
    """How long the provider keeps resending a delivery the endpoint did not accept: the
    window a design keeps failed deliveries beyond (coverage: retry_window_known)."""
    window: float = Field(gt=0)
    unit: Literal["h", "d"]
    source_url: HttpsUrl = Field(description="the provider's own page stating the window")

    @property
    def hours(self) -> float:
        return self.window * (24 if self.unit == "d" else 1)


class Modes(Strict):
    """How the provider separates trying from real work (Stripe's test and live modes, Twilio's
    test credentials): what the development and staging environments use, and what production
    uses. Deployment renders each environment's external services from it."""
    pre_production: Text = Field(description="what development and staging use: test mode, test credentials")
    production: Text = Field(description="what production uses: live mode, live credentials")
    source_url: HttpsUrl = Field(description="the provider's own page describing the modes")


class ProviderApi(Strict):
    """How the provider's REST API authenticates a call, and whether a retried write is safe:
    what the generated API client sends (agents/packs/integration_requirements/sections/example_api_client.py)."""
    auth: Literal["basic_key_as_username", "basic_account_and_secret", "bearer"] = Field(
        description="basic_key_as_username: the API key as the basic-auth username, no password; "
                    "basic_account_and_secret: an account or key id and its secret; bearer: Authorization: Bearer <key>")
    source_url: HttpsUrl = Field(description="the provider's own page describing how calls authenticate")
    body: Literal["form", "json"] = Field("json", description="how a write's fields are encoded, as source_url says")
    # The header that makes a repeated write return the first answer; without one a write is never retried.
    idempotency_header: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z-]{1,40}$")] | None = None
    idempotency_source_url: HttpsUrl | None = None

    @model_validator(mode="after")
    def _idempotency_sourced(self) -> "ProviderApi":
        if self.idempotency_header and not self.idempotency_source_url:
            raise ValueError("idempotency_header needs idempotency_source_url")
        return self


class ProviderNote(Strict):
    id: Id
    name: Text
    aliases: list[Annotated[str, StringConstraints(min_length=2, max_length=60)]] = Field(default_factory=list)
    archetypes: list[Id] = Field(min_length=1)
    facts: list[ProviderFact] = Field(min_length=1)
    documented_values: list[ProviderValues] = Field(default_factory=list)
    webhook_events: list[ProviderEvents] = Field(default_factory=list)
    record_owners: list[ProviderOwner] = Field(default_factory=list)
    redelivery: Redelivery | None = None
    modes: Modes | None = None
    # What the provider signs its requests with, when that is not a webhook secret of its own
    # (Twilio: the account Auth Token); said by the provider's `signature_scheme` fact.
    signing_key: Text | None = None
    rate_limit: RateLimit | None = None
    api: ProviderApi | None = None
