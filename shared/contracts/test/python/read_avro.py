#!/usr/bin/env python3
"""Read N registry-framed Avro records from a Kafka topic with Confluent's own Python client.

An independent check of weir's serde: confluent_kafka parses the wire-format header and fetches the
writer schema from the registry by id itself, and fastavro decodes the body. Each record is printed
to stdout as one JSON line: {"partition", "offset", "value"}. Avro timestamp-millis values, which
fastavro turns into datetimes, are printed back as epoch milliseconds, and bytes as base64, so the
output compares directly with what the producer sent.

Progress goes to stderr, one `progress: ...` line per step (metadata, assignment, each record
fetched and decoded, each registry attempt that failed), so that a caller can tell a slow run on a
busy machine from a stuck one. --timeout is a stall limit: the run gives up when no step has
completed for that long, not after that long in all. Every call is bounded: the registry client's
requests have a timeout (the library's default is none, and a registry that stopped answering held
a run silent until its caller killed it). SIGUSR1 prints every thread's stack to stderr, so a caller
about to kill a silent run can first ask where it stands.

Exit status: 0 when N records were read, 1 when fewer arrived before the timeout, 2 on a Kafka error.
"""
import argparse
import base64
import datetime
import faulthandler
import json
import os
import signal
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# Seconds one registry request may take before it is abandoned and tried again.
REGISTRY_REQUEST_TIMEOUT_S = 10


def jsonable(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode('ascii')
    raise TypeError(f'cannot print {type(value).__name__} as JSON')


def progress(step):
    print(f'progress: {step}', file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--bootstrap', required=True, help='Kafka bootstrap servers, host:port[,...]')
    parser.add_argument('--registry', required=True, help='Confluent-compatible schema registry URL')
    parser.add_argument('--topic', required=True)
    parser.add_argument('--count', type=int, required=True, help='records to read')
    parser.add_argument('--timeout', type=float, default=30.0, help='seconds without progress before giving up')
    args = parser.parse_args()
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    progress('client loaded')

    # Retries are ours (decode), so that each failed attempt shows as a step.
    registry_conf = {'url': args.registry, 'timeout': REGISTRY_REQUEST_TIMEOUT_S, 'max.retries': 0}
    user, password = os.environ.get('SCHEMA_REGISTRY_USERNAME'), os.environ.get('SCHEMA_REGISTRY_PASSWORD')
    if user and password:
        registry_conf['basic.auth.user.info'] = f'{user}:{password}'
    # No schema_str: the reader uses each record's writer schema, fetched by the id in its header.
    deserialize = AvroDeserializer(SchemaRegistryClient(registry_conf))

    # Records are fetched raw and decoded apart, so that a slow registry and a slow broker show as
    # different steps, and a failed decode is tried again rather than losing its record.
    consumer = Consumer({
        'bootstrap.servers': args.bootstrap,
        'group.id': f'weir-read-avro-{os.getpid()}-{int(time.time() * 1000)}',
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
    })
    # Partitions assigned, not subscribed: no group join, which a broker busy with other groups'
    # rebalances can hold up past the timeout (and then close() waits on leaving the group too).
    partitions = consumer.list_topics(args.topic, timeout=args.timeout).topics[args.topic].partitions
    progress(f'{len(partitions)} partitions of {args.topic}')
    consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in sorted(partitions)])
    read = 0
    # A stall limit: each step moves it on, so a slow (starved) broker or registry is waited for.
    deadline = time.monotonic() + args.timeout
    try:
        while read < args.count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                print(f'kafka error: {msg.error()}', file=sys.stderr)
                return 2
            progress(f'fetched offset {msg.offset()} of partition {msg.partition()}')
            deadline = time.monotonic() + args.timeout
            value = decode(deserialize, msg, deadline)
            line = {'partition': msg.partition(), 'offset': msg.offset(), 'value': value}
            print(json.dumps(line, default=jsonable, ensure_ascii=False), flush=True)
            read += 1
            progress(f'read {read} of {args.count}')
            deadline = time.monotonic() + args.timeout
    finally:
        consumer.close()
        progress('closed')
    if read < args.count:
        print(f'read only {read} of {args.count} records from {args.topic} in {args.timeout}s', file=sys.stderr)
        return 1
    return 0


def decode(deserialize, msg, deadline):
    """The record's value, tried again while the registry fails, until the monotonic deadline."""
    ctx = SerializationContext(msg.topic(), MessageField.VALUE)
    attempt = 0
    while True:
        attempt += 1
        try:
            return deserialize(msg.value(), ctx)
        except Exception as err:  # the registry client raises httpx's errors and its own
            if not is_registry_failure(err) or time.monotonic() >= deadline:
                raise
            progress(f'registry attempt {attempt} failed: {type(err).__name__}: {err}')
            time.sleep(1)


def is_registry_failure(err):
    """A network-level failure or a 5xx from the registry, not a record or schema we cannot read."""
    if type(err).__module__.startswith('httpx'):
        return True
    status = getattr(err, 'http_status_code', None)
    return isinstance(status, int) and status >= 500


if __name__ == '__main__':
    sys.exit(main())
