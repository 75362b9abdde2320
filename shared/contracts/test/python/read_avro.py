#!/usr/bin/env python3
"""Read N registry-framed Avro records from a Kafka topic with Confluent's own Python client.

An independent check of weir's serde: confluent_kafka parses the wire-format header and fetches the
writer schema from the registry by id itself, and fastavro decodes the body. Each record is printed
to stdout as one JSON line: {"partition", "offset", "value"}. Avro timestamp-millis values, which
fastavro turns into datetimes, are printed back as epoch milliseconds, and bytes as base64, so the
output compares directly with what the producer sent.

Progress goes to stderr, one `progress: ...` line per step (metadata, assignment, each record), so
that a caller can tell a slow run on a busy machine from a stuck one. --timeout is a stall limit:
the run gives up when no step has completed for that long, not after that long in all.

Exit status: 0 when N records were read, 1 when fewer arrived before the timeout, 2 on a Kafka error.
"""
import argparse
import base64
import datetime
import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, DeserializingConsumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


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
    progress('client loaded')

    registry_conf = {'url': args.registry}
    user, password = os.environ.get('SCHEMA_REGISTRY_USERNAME'), os.environ.get('SCHEMA_REGISTRY_PASSWORD')
    if user and password:
        registry_conf['basic.auth.user.info'] = f'{user}:{password}'
    registry = SchemaRegistryClient(registry_conf)

    consumer = DeserializingConsumer({
        'bootstrap.servers': args.bootstrap,
        'group.id': f'weir-read-avro-{os.getpid()}-{int(time.time() * 1000)}',
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
        # No schema_str: the reader uses each record's writer schema, fetched by the id in its header.
        'value.deserializer': AvroDeserializer(registry),
    })
    # Partitions assigned, not subscribed: no group join, which a broker busy with other groups'
    # rebalances can hold up past the timeout (and then close() waits on leaving the group too).
    partitions = consumer.list_topics(args.topic, timeout=args.timeout).topics[args.topic].partitions
    progress(f'{len(partitions)} partitions of {args.topic}')
    consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in sorted(partitions)])
    read = 0
    # A stall limit: each record read moves it on, so a slow (starved) broker is waited for.
    deadline = time.monotonic() + args.timeout
    try:
        while read < args.count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                print(f'kafka error: {msg.error()}', file=sys.stderr)
                return 2
            line = {'partition': msg.partition(), 'offset': msg.offset(), 'value': msg.value()}
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


if __name__ == '__main__':
    sys.exit(main())
