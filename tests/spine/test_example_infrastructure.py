"""A code example imports no infrastructure the design spine does without."""

from __future__ import annotations

from types import SimpleNamespace

from agentspec.agents.packs.integration_requirements.sections._examples import example_spine_checks, imported_packages


def test_imported_packages_reads_js_and_python_imports() -> None:
    code = """import { Kafka } from 'kafkajs';
import Redis from "ioredis";
const ws = require('ws');
import './polyfill';
import { x } from '../local';
import { PubSub } from '@google-cloud/pubsub/build/src';
from celery import Celery
import redis.asyncio
"""
    assert imported_packages(code) == {"kafkajs", "ioredis", "ws", "@google-cloud/pubsub", "celery", "redis"}


def test_a_broker_import_without_a_broker_in_the_spine_is_a_problem(spine) -> None:
    example = SimpleNamespace(code="import { EventBus } from 'event-bus';\nimport { Pool } from 'pg';\n")
    (problem,) = example_spine_checks(example, spine)
    assert problem.startswith("the code imports event-bus, a message broker the design spine does without")
    assert example_spine_checks(SimpleNamespace(code="import { Pool } from 'pg';\nimport Stripe from 'stripe';\n"), spine) == []


def test_infrastructure_the_spine_has_is_allowed(spine_data) -> None:
    from agentspec.agents.spine import DesignSpine

    spine_data["components"].append({"id": "job_queue", "label": "Job queue", "kind": "message_broker", "responsibility": "carries jobs"})
    spine_data["not_needed"] = []
    with_broker = DesignSpine.model_validate(spine_data)
    assert example_spine_checks(SimpleNamespace(code="import { Queue } from 'bullmq';\n"), with_broker) == []
    assert example_spine_checks(SimpleNamespace(code="import Redis from 'ioredis';\n"), with_broker) != []  # a cache it lacks
