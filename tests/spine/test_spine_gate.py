"""Names outside the design spine, found in rendered markdown."""

from __future__ import annotations

from agentspec.agents.spine_gate import copied_examples, endpoints_outside, infrastructure_outside, normalise_path, outside_spine, tables_outside


def test_invented_infrastructure_is_found_once_per_capability(spine):
    found = infrastructure_outside("Events go through Apache Kafka.\nKafka keeps 7 days.\nRedis caches the status.", spine)
    assert [(o.kind, o.name) for o in found] == [("infrastructure", "Apache Kafka"), ("infrastructure", "Redis")]
    assert "the design has no message broker" in found[0].message(spine)


def test_a_sentence_that_says_the_design_does_without_it_is_not_a_finding(spine):
    text = "No Redis is used: the status page reads the table.\nNot applicable: the design has no WebSocket."
    assert infrastructure_outside(text, spine) == []


def test_infrastructure_the_spine_has_is_allowed(spine_data):
    from agentspec.agents.spine import DesignSpine

    spine_data["components"].append({"id": "status_cache", "label": "Status Cache", "kind": "cache", "responsibility": "caches"})
    assert infrastructure_outside("Redis holds the status for 30 s.", DesignSpine.model_validate(spine_data)) == []


def test_endpoints_are_matched_whatever_the_parameter_spelling(spine_data):
    from agentspec.agents.spine import DesignSpine

    spine_data["endpoints"].append({"method": "GET", "path": "/api/v1/records/:recordId", "kind": "rest", "caller": "sync_viewer", "purpose": "one"})
    spine = DesignSpine.model_validate(spine_data)
    text = "fetch(`${base}/api/v1/records/${id}`)\nGET /api/v1/records/{recordId}\nPOST /api/v1/records/:id/refund"
    assert [o.name for o in endpoints_outside(text, spine)] == ["/api/v1/records/:id/refund"]
    assert normalise_path("/api/v1/records/{x}.") == "/api/v1/records/:"


def test_tables_in_sql_blocks_must_be_spine_tables(spine):
    text = "```sql\nINSERT INTO received_events (id) VALUES (1);\nUPDATE invoices SET paid = true;\n```\n"
    found = tables_outside(text, spine)
    assert [o.name for o in found] == ["invoices"]
    assert "use only: received_events, synced_records" in found[0].message(spine)


def test_outside_spine_is_clean_on_text_that_uses_only_spine_names(spine):
    text = ("POST /api/v1/webhooks/provider stores the delivery in received_events.\n"
            "```sql\nSELECT count(*) FROM received_events;\n```\n")
    assert outside_spine(text, spine) == []


def test_a_known_example_value_is_a_copy_unless_the_description_says_it():
    assert [o.name for o in copied_examples('{"domain": "acme.us.auth0.com"}', "Add SSO")] == ["acme.us.auth0.com"]
    assert copied_examples('{"domain": "acme.us.auth0.com"}', "Log in through acme.us.auth0.com") == []


def test_supplied_provider_facts_and_fk_targets_are_not_names_the_model_chose(spine):
    from agentspec.agents.spine_gate import outside_spine

    facts = ("**Provider facts** (from agentspec's knowledge library, each from the provider's documentation):\n"
             "- Amazon S3: an SQS destination's MaximumMessageSize should be at least 64 KB. ([source](https://x))\n")
    assert outside_spine(facts, spine) == []
    assert [o.name for o in outside_spine("The worker reads jobs from SQS.", spine)] == ["SQS"]
    ddl = ("```sql\nCREATE TABLE received_events (\n  id uuid PRIMARY KEY,\n"
           "  user_id uuid NOT NULL REFERENCES users (id)\n);\n```\n")
    assert outside_spine(ddl, spine) == []  # users already exists: only a foreign key points at it
    invented = "```sql\nCREATE TABLE audit_log (\n  id uuid PRIMARY KEY\n);\n```\n"
    assert [o.name for o in outside_spine(invented, spine)] == ["audit_log"]


def test_a_route_called_with_a_value_is_that_route(spine):
    """The Twilio draft's test called /api/v1/delivery-status-callbacks/callbackId1 for :callbackId; its section failed."""
    text = "await request(app).get('/api/v1/sync-status'); await client.get('/api/v1/sync-status/extra/deep');"
    assert [o.name for o in endpoints_outside(text, spine)] == ["/api/v1/sync-status/extra/deep"]
    spine.endpoints[1].path = "/api/v1/sync-status/:runId"
    assert endpoints_outside("GET /api/v1/sync-status/run_42 and /api/v1/sync-status/:runId", spine) == []
    assert [o.name for o in endpoints_outside("POST /api/v1/sync-status/export", spine)] == ["/api/v1/sync-status/export"]

