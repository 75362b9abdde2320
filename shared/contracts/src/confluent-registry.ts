/**
 * A remote Confluent-compatible registry (Confluent, Apicurio's ccompat API, Karapace) through
 * `@kafkajs/confluent-schema-registry`. Only the registry calls go through the library; framing and
 * Avro resolution are ours (registry-serde.ts), so bytes match the embedded registry's exactly.
 */
import type { SchemaRegistry as ConfluentClient } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Type } from 'avsc';
import { schemaText, type SchemaSource } from './avro.js';
import { ContractError, isContractError, type ContractErrorCode } from './errors.js';
import { DEFAULT_COMPATIBILITY, type CompatibilityLevel, type SchemaRegistry } from './registry.js';

export interface ConfluentRegistryOptions {
  /** Base URL of the Confluent API, e.g. `http://127.0.0.1:18081/apis/ccompat/v7` for Apicurio. */
  url: string;
  /** HTTP basic auth; both or neither. */
  username?: string;
  password?: string;
  /** Level set on subjects this client creates. */
  compatibility?: CompatibilityLevel;
  /** Retries of failed HTTP calls (the library's retry middleware); default 3. */
  retries?: number;
}

type ClientLibrary = typeof import('@kafkajs/confluent-schema-registry');

/**
 * The library (with mappersmith, protobufjs and ajv behind it) costs ~200 ms to load: loaded on the
 * first remote call only, so processes on the embedded registry never pay for it.
 */
let library: Promise<ClientLibrary> | undefined;
/** Registrations of one schema under one subject, before a 409 is taken for a real refusal. */
const REGISTER_ATTEMPTS = 4;

const loadLibrary = (): Promise<ClientLibrary> => (library ??= import('@kafkajs/confluent-schema-registry'));

export class ConfluentRegistry implements SchemaRegistry {
  readonly url: string;
  private readonly opts: ConfluentRegistryOptions;
  private readonly compatibility: CompatibilityLevel;
  private clientPromise: Promise<{ lib: ClientLibrary; client: ConfluentClient }> | undefined;

  constructor(opts: ConfluentRegistryOptions) {
    if ((opts.username === undefined) !== (opts.password === undefined)) {
      throw new ContractError('WEIR_REGISTRY_CONFIG', 'schema registry basic auth needs both a username and a password');
    }
    this.url = opts.url;
    this.opts = opts;
    this.compatibility = opts.compatibility ?? DEFAULT_COMPATIBILITY;
  }

  private connect(): Promise<{ lib: ClientLibrary; client: ConfluentClient }> {
    this.clientPromise ??= loadLibrary().then((lib) => {
      const { url, username, password, retries } = this.opts;
      const client = new lib.SchemaRegistry({
        host: url,
        clientId: 'weir',
        retry: { retries: retries ?? 3 },
        ...(username !== undefined && password !== undefined ? { auth: { username, password } } : {}),
      });
      return { lib, client };
    });
    return this.clientPromise;
  }

  async register(subject: string, schema: SchemaSource): Promise<number> {
    // The library registers a new subject's first version and then sets the subject's level
    // (PUT /config/<subject>). Apicurio's PUT is no upsert: of instances registering a new subject
    // at the same moment (window instances publishing their first partials), all but one were
    // answered 409 "A rule named 'COMPATIBILITY' already exists" after their version was in, and
    // the 409 failed their stage. Tried again, the lookup finds the version; a 409 that stays is a
    // real refusal, reported after the last attempt.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.registerOnce(subject, schema);
      } catch (err) {
        if (attempt >= REGISTER_ATTEMPTS || !isContractError(err, 'WEIR_SCHEMA_INCOMPATIBLE')) throw err;
      }
    }
  }

  private async registerOnce(subject: string, schema: SchemaSource): Promise<number> {
    const { lib, client } = await this.connect();
    const confluentSchema = { type: lib.SchemaType.AVRO, schema: schemaText(schema) } as const;
    // Look up first: a version already there needs no write access and no compatibility question
    // (the library's register() insists the subject's level equals ours, and Apicurio reports NONE
    // for subjects another client created, where Confluent would report none at all).
    try {
      return await client.getRegistryIdBySchema(subject, confluentSchema);
    } catch (err) {
      // The library turns the lookup's 404 (no such subject or version) into this bare error class.
      if (!(err instanceof Error && err.name === 'ConfluentSchemaRegistryError')) {
        throw this.translate(err, `looking up a schema under subject "${subject}"`, 'WEIR_REGISTRY_UNAVAILABLE');
      }
    }
    try {
      const { id } = await client.register(confluentSchema, {
        subject,
        compatibility: lib.COMPATIBILITY[this.compatibility],
      });
      return id;
    } catch (err) {
      throw this.translate(err, `registering a schema under subject "${subject}"`, 'WEIR_REGISTRY_UNAVAILABLE');
    }
  }

  async schemaById(id: number): Promise<SchemaSource> {
    const { client } = await this.connect();
    let found: unknown;
    try {
      found = await client.getSchema(id);
    } catch (err) {
      throw this.translate(err, `fetching schema id ${id}`, 'WEIR_SCHEMA_UNKNOWN_ID');
    }
    // The library hands back its parsed avsc Type; export it with defaults and aliases, which
    // resolution may need. (Logical-type annotations are dropped: they do not change the binary.)
    if (!avro.Type.isType(found)) {
      throw new ContractError('WEIR_SCHEMA_INVALID', `schema id ${id} at ${this.url} is not an Avro schema`);
    }
    return (found as Type).schema({ exportAttrs: true });
  }

  /** `notFound`: what a 404 means for this call (an unknown id, or a URL that is not the API's base). */
  private translate(err: unknown, doing: string, notFound: ContractErrorCode): ContractError {
    const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const where = `${doing} at ${this.url}`;
    if (err instanceof Error && err.name === 'ConfluentSchemaRegistryCompatibilityError') {
      // The subject exists with another level than ours (on Apicurio without a global rule, any
      // subject another client created reports NONE). Adding a version there would go unchecked.
      return new ContractError(
        'WEIR_REGISTRY_CONFIG',
        `${where}: ${message}. Set the subject's level (PUT ${this.url}/config/<subject> ` +
          `{"compatibility":"${this.compatibility}"}), or on Apicurio the global rule ` +
          `apicurio.rules.global.compatibility=${this.compatibility}`,
        { cause: err },
      );
    }
    switch (status) {
      case 404:
        return new ContractError(notFound, `${where}: not found (${message})`, { cause: err });
      case 409:
        return new ContractError('WEIR_SCHEMA_INCOMPATIBLE', `${where}: refused as incompatible (${message})`, {
          cause: err,
        });
      case 422:
        return new ContractError('WEIR_SCHEMA_INVALID', `${where}: refused as invalid (${message})`, { cause: err });
      case 401:
      case 403:
        return new ContractError('WEIR_REGISTRY_UNAUTHORIZED', `${where}: credentials refused (${message})`, {
          cause: err,
        });
      default:
        // The library reports connection failures as status 400 with the socket error as message.
        return new ContractError('WEIR_REGISTRY_UNAVAILABLE', `${where}: ${message}`, { cause: err });
    }
  }
}
