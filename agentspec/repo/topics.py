"""Message topics, queues and Celery tasks, where the code names them plainly.

Best effort by design: only literal names in well-known calls are taken
(kafkajs `producer.send({topic})`, amqplib `assertQueue('x')`, BullMQ
`new Queue('x')`, kafka-python `KafkaConsumer('x')`, Celery `@app.task`).
A name built at run time is not guessed.
"""

from __future__ import annotations

import ast
import re

from agentspec.repo.context import Source, TopicRole
from agentspec.repo.facts import Facts
from agentspec.repo.hints import Hint
from agentspec.repo.pyast import PyIndex, const_str, const_strs, dotted, keyword, module_name
from agentspec.repo.tsast import TsParse, call_parts, line, object_string_property, string_value, text

# Cheap byte-level test run before walking a Python tree for topics.
PY_HINT = Hint(words=(b".task", b"shared_task", b"Kafka", b"roducer.", b"onsumer.", b"queue_declare"))
TS_HINT = Hint(words=(b"topic", b"Queue", b"Worker", b"consume"))
_PY_TOPIC_LINES = re.compile(rb"Kafka|roducer|onsumer|queue_declare")  # lines whose expressions are walked
# amqplib channel method -> role
_AMQP_METHODS: dict[str, TopicRole] = {
    "assertQueue": "declare", "checkQueue": "declare", "sendToQueue": "produce", "consume": "consume",
}


def ts_topics(parsed: TsParse, rel: str, facts: Facts) -> None:
    for call in parsed.nodes("call"):
        receiver, name, args = call_parts(call)
        if receiver is None or not args:
            continue
        source = Source(path=rel, line=line(call))
        if name in ("send", "sendBatch", "subscribe") and args[0].type == "object":
            role: TopicRole = "produce" if name.startswith("send") else "consume"
            topics = object_string_property(args[0], "topic") + object_string_property(args[0], "topics")
            for topic in topics:
                facts.add_topic(topic, "kafka_topic", role, source)
        elif name in _AMQP_METHODS:
            queue = string_value(args[0])
            if queue:
                facts.add_topic(queue, "queue", _AMQP_METHODS[name], source)
    for new in parsed.nodes("new"):
        constructor = text(new.child_by_field_name("constructor"))
        arguments = new.child_by_field_name("arguments")
        args = arguments.named_children if arguments is not None else []
        if constructor in ("Queue", "Worker") and args:
            queue = string_value(args[0])
            if queue:
                facts.add_topic(queue, "queue", "declare" if constructor == "Queue" else "consume",
                                Source(path=rel, line=line(new)))


def python_topics(index: PyIndex, rel: str, facts: Facts) -> None:
    module = module_name(rel)
    for function in index.functions:
        for decorator in function.decorator_list:
            target = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
            if target.rsplit(".", 1)[-1] not in ("task", "shared_task") or target in ("task",):
                continue
            name = const_str(keyword(decorator, "name")) if isinstance(decorator, ast.Call) else None
            # Celery registers a task as "<module>.<function>" unless it is named.
            facts.add_topic(name or f"{module}.{function.name}", "celery_task", "declare",
                            Source(path=rel, line=decorator.lineno))
    for call in index.nodes_on_lines(_PY_TOPIC_LINES):
        if not isinstance(call, ast.Call):
            continue
        callee = dotted(call.func) or ""
        last = callee.rsplit(".", 1)[-1]
        source = Source(path=rel, line=call.lineno)
        if last in ("KafkaConsumer", "AIOKafkaConsumer"):
            for topic in (s for arg in call.args for s in const_strs(arg)):
                facts.add_topic(topic, "kafka_topic", "consume", source)
        elif last in ("send", "send_and_wait", "produce") and "producer" in callee.lower() and call.args:
            produced = const_str(call.args[0]) or const_str(keyword(call, "topic"))
            if produced:
                facts.add_topic(produced, "kafka_topic", "produce", source)
        elif last == "subscribe" and "consumer" in callee.lower():
            for topic in const_strs(call.args[0] if call.args else keyword(call, "topics")):
                facts.add_topic(topic, "kafka_topic", "consume", source)
        elif last == "queue_declare":
            queue = const_str(keyword(call, "queue")) or (const_str(call.args[0]) if call.args else None)
            if queue:
                facts.add_topic(queue, "queue", "declare", source)
