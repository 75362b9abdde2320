/**
 * An in-memory schema registry with Confluent's semantics: registry-wide ids shared by identical
 * schemas, per-subject versions, and a compatibility check on every new version. Used by the
 * single-process default and by fast tests; its ids frame bytes exactly like a remote registry's.
 */
import { parseSchema, schemaText, type AvroType, type SchemaSource } from './avro.js';
import { findIncompatibility } from './compatibility.js';
import { ContractError } from './errors.js';
import { DEFAULT_COMPATIBILITY, type CompatibilityLevel, type SchemaRegistry } from './registry.js';

interface Stored {
  id: number;
  text: string;
  type: AvroType;
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

export class EmbeddedRegistry implements SchemaRegistry {
  private readonly byId = new Map<number, Stored>();
  private readonly byText = new Map<string, Stored>();
  /** Subject → its versions' schemas, oldest first (version n at index n - 1). */
  private readonly subjects = new Map<string, Stored[]>();
  private readonly levels = new Map<string, CompatibilityLevel>();
  private nextId = 1;

  constructor(private readonly defaultLevel: CompatibilityLevel = DEFAULT_COMPATIBILITY) {}

  async register(subject: string, schema: SchemaSource): Promise<number> {
    return this.registerSync(subject, schema);
  }

  async schemaById(id: number): Promise<string> {
    return this.lookup(id).text;
  }

  /** Synchronous core of `register`: everything happens in one turn, so concurrent calls cannot interleave. */
  registerSync(subject: string, schema: SchemaSource): number {
    const text = schemaText(schema);
    const versions = this.subjects.get(subject) ?? [];
    const known = this.byText.get(text);
    // Re-registering a version the subject already has is a lookup, never a compatibility question.
    if (known && versions.includes(known)) return known.id;

    const type = known?.type ?? parseSchema(text);
    const level = this.compatibility(subject);
    const conflict = findIncompatibility(level, type, versions.map((v) => v.type));
    if (conflict) {
      throw new ContractError(
        'WEIR_SCHEMA_INCOMPATIBLE',
        `schema for subject "${subject}" is not ${level} compatible with version ${conflict.index + 1} ` +
          `(id ${versions[conflict.index]!.id}): ${conflict.reason}`,
      );
    }
    const stored = known ?? { id: this.nextId++, text, type };
    this.byId.set(stored.id, stored);
    this.byText.set(text, stored);
    versions.push(stored);
    this.subjects.set(subject, versions);
    return stored.id;
  }

  compatibility(subject: string): CompatibilityLevel {
    return this.levels.get(subject) ?? this.defaultLevel;
  }

  setCompatibility(subject: string, level: CompatibilityLevel): void {
    this.levels.set(subject, level);
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()].sort();
  }

  versions(subject: string): SubjectVersion[] {
    return (this.subjects.get(subject) ?? []).map((s, i) => ({ subject, version: i + 1, id: s.id, schema: s.text }));
  }

  private lookup(id: number): Stored {
    const stored = this.byId.get(id);
    if (!stored) throw new ContractError('WEIR_SCHEMA_UNKNOWN_ID', `schema id ${id} is not in the embedded registry`);
    return stored;
  }
}
