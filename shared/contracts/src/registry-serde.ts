/**
 * The Avro serde over any schema registry: Confluent wire format, TopicNameStrategy subjects,
 * schemas registered on first use, ids cached both ways, and records written with any registered
 * version resolved into this serde's (reader) schema, so old and new producers and consumers mix.
 */
import type { Resolver } from 'avsc';
import { invalidPaths, parseSchema, schemaText, type AvroType } from './avro.js';
import { isTransient } from './coded-error.js';
import { ContractError } from './errors.js';
import { subjectOf, type SchemaRegistry } from './registry.js';
import type { Serde } from './serde.js';
import { topicSchema, type TopicSchemaMap } from './topic-schemas.js';
import { FramedWriter } from './framed-writer.js';
import { unframe } from './wire-format.js';

export interface RegistrySerdeOptions {
  /** The schema this serde writes and reads each topic as; defaults to the weir topic map. */
  schemaOf?: TopicSchemaMap;
  /** Which part of the message it serialises: subjects are `<topic>-value` or `<topic>-key`. */
  part?: 'value' | 'key';
}

/** This serde's own schema for some topics, with what it learnt about reading other versions. */
interface LocalSchema {
  text: string;
  type: AvroType;
  /** Writer id → resolver into `type`; null when the writer schema is this one (no resolution needed). */
  resolvers: Map<number, Resolver | null>;
}

export class RegistrySerde<T> implements Serde<T> {
  readonly registry: SchemaRegistry;
  private readonly schemaOf: TopicSchemaMap;
  private readonly part: 'value' | 'key';
  /** Parsed once per schema object: every `weir.logs.*` topic shares one RequestEvent Type. */
  private readonly bySchema = new WeakMap<object, LocalSchema>();
  private readonly byTopic = new Map<string, LocalSchema>();
  /** Subject → id of our schema there. Promises, so concurrent first encodes register once. */
  private readonly ids = new Map<string, Promise<number>>();
  /** Subject → id, once registered: read without a promise on the hot path. */
  private readonly knownIds = new Map<string, number>();
  /** Id → writer Type. Promises, so concurrent first decodes fetch once. */
  private readonly writers = new Map<number, Promise<AvroType>>();
  private readonly framed = new FramedWriter();

  constructor(registry: SchemaRegistry, opts: RegistrySerdeOptions = {}) {
    this.registry = registry;
    this.schemaOf = opts.schemaOf ?? topicSchema;
    this.part = opts.part ?? 'value';
  }

  async encode(topic: string, value: T): Promise<Buffer> {
    const local = this.local(topic);
    const known = this.knownIds.get(subjectOf(topic, this.part));
    if (known !== undefined) return this.write(topic, local, known, value);
    // Checked before touching the registry, so a bad record fails fast and names its fields.
    this.check(topic, local, value);
    return this.write(topic, local, await this.idFor(topic, local), value);
  }

  async encodeMany(items: ReadonlyArray<{ topic: string; value: T }>): Promise<Buffer[]> {
    const out = new Array<Buffer>(items.length);
    for (let i = 0; i < items.length; i++) {
      const { topic, value } = items[i]!;
      const local = this.local(topic);
      // Known ids are read synchronously: a promise only for a subject's first record.
      const known = this.knownIds.get(subjectOf(topic, this.part));
      if (known === undefined) this.check(topic, local, value);
      out[i] = this.write(topic, local, known ?? (await this.idFor(topic, local)), value);
    }
    return out;
  }

  async decode(topic: string, bytes: Buffer): Promise<T> {
    const local = this.local(topic);
    const { schemaId, payload } = unframe(bytes);
    const resolver = await this.resolverFor(local, schemaId);
    return this.read(topic, local, schemaId, payload, resolver);
  }

  async decodeMany(topic: string, messages: readonly Buffer[]): Promise<Array<T | Error>> {
    const local = this.local(topic);
    const out = new Array<T | Error>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      try {
        const { schemaId, payload } = unframe(messages[i]!);
        // Cached resolvers are read synchronously: a promise only for a writer schema's first message.
        let resolver = local.resolvers.get(schemaId);
        if (resolver === undefined) resolver = await this.resolverFor(local, schemaId);
        out[i] = this.read(topic, local, schemaId, payload, resolver);
      } catch (error) {
        if (isTransient(error)) throw error;
        out[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
    return out;
  }

  /** The framed record; WEIR_RECORD_INVALID naming the fields when `value` does not match. */
  private write(topic: string, local: LocalSchema, schemaId: number, value: T): Buffer {
    try {
      return this.framed.write(schemaId, local.type, value);
    } catch (err) {
      throw this.invalid(topic, local, value, err);
    }
  }

  private check(topic: string, local: LocalSchema, value: T): void {
    if (!local.type.isValid(value)) throw this.invalid(topic, local, value, new Error('invalid record'));
  }

  private invalid(topic: string, local: LocalSchema, value: T, err: unknown): ContractError {
    const paths = invalidPaths(local.type, value);
    const what = paths.length > 0 ? `invalid field(s): ${paths.join(', ')}` : (err as Error).message;
    return new ContractError(
      'WEIR_RECORD_INVALID',
      `record for topic "${topic}" does not match schema ${local.type.name ?? local.type.typeName}: ${what}`,
      { paths, cause: err },
    );
  }

  private read(topic: string, local: LocalSchema, schemaId: number, payload: Buffer, resolver: Resolver | null): T {
    try {
      return local.type.fromBuffer(payload, resolver ?? undefined) as T;
    } catch (err) {
      throw new ContractError(
        'WEIR_SERDE_MALFORMED',
        `message on "${topic}" does not decode with its writer schema id ${schemaId}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** The registry id this serde writes `topic` with (registering the schema on first use). */
  schemaId(topic: string): Promise<number> {
    return this.idFor(topic, this.local(topic));
  }

  private idFor(topic: string, local: LocalSchema): Promise<number> {
    const subject = subjectOf(topic, this.part);
    let id = this.ids.get(subject);
    if (!id) {
      id = this.registry.register(subject, local.text).then((registered) => {
        // Our own bytes then decode without asking the registry for the schema back.
        this.writers.set(registered, Promise.resolve(local.type));
        local.resolvers.set(registered, null);
        this.knownIds.set(subject, registered);
        return registered;
      });
      // A failure (registry down, incompatible) is not cached: the next call tries again.
      id.catch(() => this.ids.delete(subject));
      this.ids.set(subject, id);
    }
    return id;
  }

  private local(topic: string): LocalSchema {
    let local = this.byTopic.get(topic);
    if (!local) {
      const schema = this.schemaOf(topic);
      local = this.bySchema.get(schema);
      if (!local) {
        local = { text: schemaText(schema), type: parseSchema(schema), resolvers: new Map() };
        this.bySchema.set(schema, local);
      }
      this.byTopic.set(topic, local);
    }
    return local;
  }

  private async resolverFor(local: LocalSchema, schemaId: number): Promise<Resolver | null> {
    const cached = local.resolvers.get(schemaId);
    if (cached !== undefined) return cached;
    const writer = await this.writer(schemaId);
    let resolver: Resolver | null = null;
    // Canonically equal schemas share one binary encoding: read directly, skip resolution.
    if (!writer.equals(local.type)) {
      try {
        resolver = local.type.createResolver(writer);
      } catch (err) {
        throw new ContractError(
          'WEIR_SCHEMA_INCOMPATIBLE',
          `cannot read schema id ${schemaId} as ${local.type.name ?? local.type.typeName}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    local.resolvers.set(schemaId, resolver);
    return resolver;
  }

  private writer(schemaId: number): Promise<AvroType> {
    let writer = this.writers.get(schemaId);
    if (!writer) {
      writer = this.registry.schemaById(schemaId).then(parseSchema);
      writer.catch(() => this.writers.delete(schemaId));
      this.writers.set(schemaId, writer);
    }
    return writer;
  }
}
