"""Existing SDK clients (by import) and message topics (best effort)."""

from __future__ import annotations

from agentspec.repo import RepoContext, scan


def test_existing_stripe_and_twilio_clients_with_their_files(fastapi_ctx: RepoContext, express_ctx: RepoContext):
    assert [(c.service, c.package, [str(s) for s in c.sources]) for c in fastapi_ctx.clients] == [
        ("Stripe", "stripe", ["app/routers/billing.py:3"])]
    assert [(c.service, c.package, [str(s) for s in c.sources]) for c in express_ctx.clients] == [
        ("Twilio", "twilio", ["src/services/sms.ts:1"])]


def test_scoped_packages_requires_and_python_submodules(tmp_path, write_file):
    write_file(tmp_path, "src/notify.ts", "import { WebClient } from '@slack/web-api';\n"
               "import { S3Client } from '@aws-sdk/client-s3';\nimport local from './stripe';\n")
    write_file(tmp_path, "src/mail.js", "const sgMail = require('@sendgrid/mail');\n")
    write_file(tmp_path, "jobs/upload.py", "import os\nfrom google.cloud import storage\nimport boto3.session\n"
               "from .stripe import helper\n")
    ctx = scan(tmp_path)
    assert {(c.service, c.package, c.sources[0].path, c.sources[0].line) for c in ctx.clients} == {
        ("Slack", "@slack/web-api", "src/notify.ts", 1),
        ("AWS", "@aws-sdk/client-s3", "src/notify.ts", 2),
        ("SendGrid", "@sendgrid/mail", "src/mail.js", 1),
        ("Google Cloud", "google.cloud", "jobs/upload.py", 2),
        ("AWS", "boto3", "jobs/upload.py", 3),
    }  # relative imports named like an SDK are the project's own code


def test_kafka_topics_and_celery_tasks(fastapi_ctx: RepoContext, express_ctx: RepoContext):
    assert [(t.name, t.kind, t.role, str(t.source)) for t in express_ctx.topics] == [
        ("post.published", "kafka_topic", "produce", "src/events/producer.ts:8"),
        ("user.created", "kafka_topic", "consume", "src/events/producer.ts:12"),
    ]
    assert [(t.name, t.kind) for t in fastapi_ctx.topics] == [
        ("app.tasks.send_welcome_email", "celery_task"),  # Celery's default name: module.function
        ("billing.sync_invoices", "celery_task"),  # explicit name=
    ]


def test_queues(tmp_path, write_file):
    write_file(tmp_path, "worker.ts", "await channel.assertQueue('emails');\nchannel.sendToQueue('emails', buf);\n"
               "const q = new Queue('thumbnails');\n")
    write_file(tmp_path, "consume.py", "from kafka import KafkaConsumer\nc = KafkaConsumer('orders', 'refunds')\n")
    ctx = scan(tmp_path)
    assert {(t.name, t.kind, t.role) for t in ctx.topics} == {
        ("emails", "queue", "declare"), ("emails", "queue", "produce"), ("thumbnails", "queue", "declare"),
        ("orders", "kafka_topic", "consume"), ("refunds", "kafka_topic", "consume")}
