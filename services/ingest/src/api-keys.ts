/**
 * Per-customer API keys: which customer a presented key belongs to.
 *
 * Sources: WEIR_INGEST_API_KEYS (`customer:key,customer2:key2`) and WEIR_INGEST_API_KEYS_FILE
 * (JSON `{ "customer": "key" | ["key1", "key2"] }`, e.g. a mounted Kubernetes Secret). Several keys
 * per customer allow rotation: add the new key, move the shippers over, remove the old one.
 *
 * Keys are compared in constant time: every stored key's SHA-256 is compared with the presented
 * key's SHA-256 by `timingSafeEqual`, all of them every time, so neither the position of a
 * mismatch nor which entry matched shows in the response time. (Hashing first also gives equal
 * lengths, which `timingSafeEqual` needs, without revealing the stored key's length.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CUSTOMER_ID_PATTERN } from '@weir/contracts';

/** Customer → its keys. */
export type KeyTable = ReadonlyMap<string, readonly string[]>;

export interface ParsedKeys {
  table: KeyTable;
  /** One line per problem, naming the source; empty when the keys are usable. */
  problems: string[];
}

/**
 * Short keys can be guessed; whitespace and commas would not survive the env format or a
 * header. 16 characters of a random token are still far more than anyone can try.
 */
export const MIN_KEY_LENGTH = 16;
const KEY_PATTERN = /^[\x21-\x7e]+$/;

function keyProblem(source: string, customer: string, key: string): string | null {
  if (key.length < MIN_KEY_LENGTH) return `${source}: a key of customer "${customer}" is shorter than ${MIN_KEY_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) return `${source}: a key of customer "${customer}" has characters other than printable ASCII (no spaces)`;
  if (key.includes(',')) return `${source}: a key of customer "${customer}" contains a comma`;
  return null;
}

function customerProblem(source: string, customer: string): string | null {
  return CUSTOMER_ID_PATTERN.test(customer)
    ? null
    : `${source}: customer "${customer}" is not a valid customer id (letters, digits, '_' or '-', 1-100)`;
}

function add(table: Map<string, string[]>, customer: string, key: string): void {
  const keys = table.get(customer) ?? [];
  if (!keys.includes(key)) keys.push(key);
  table.set(customer, keys);
}

/** `customer:key,customer2:key2`; a key may itself contain ':' (split at the first one). */
export function parseKeyList(text: string, source = 'WEIR_INGEST_API_KEYS'): ParsedKeys {
  const table = new Map<string, string[]>();
  const problems: string[] = [];
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  items.forEach((item, i) => {
    const colon = item.indexOf(':');
    if (colon <= 0 || colon === item.length - 1) {
      // Never echo the item: it may be a key.
      problems.push(`${source}: entry ${i + 1} is not customer:key`);
      return;
    }
    const customer = item.slice(0, colon).trim();
    const key = item.slice(colon + 1).trim();
    const problem = customerProblem(source, customer) ?? keyProblem(source, customer, key);
    if (problem) problems.push(problem);
    else add(table, customer, key);
  });
  return { table, problems };
}

/** The JSON file: `{ "customer": "key" | ["key1", "key2"] }`. */
export function parseKeyFile(text: string, source: string): ParsedKeys {
  const table = new Map<string, string[]>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { table, problems: [`${source}: not valid JSON (${err instanceof Error ? err.message : String(err)})`] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { table, problems: [`${source}: expected a JSON object { "customer": "key" | ["key", ...] }`] };
  }
  const problems: string[] = [];
  for (const [customer, value] of Object.entries(parsed)) {
    const keys: unknown[] = Array.isArray(value) ? value : [value];
    const problem = customerProblem(source, customer);
    if (problem) {
      problems.push(problem);
      continue;
    }
    for (const key of keys) {
      if (typeof key !== 'string') {
        problems.push(`${source}: customer "${customer}" has a key that is not a string`);
        continue;
      }
      const keyIssue = keyProblem(source, customer, key);
      if (keyIssue) problems.push(keyIssue);
      else add(table, customer, key);
    }
  }
  return { table, problems };
}

/** Both sources together; one key given to two customers is refused (which one would it write?). */
export function mergeKeyTables(...tables: KeyTable[]): ParsedKeys {
  const merged = new Map<string, string[]>();
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const table of tables) {
    for (const [customer, keys] of table) {
      for (const key of keys) {
        const existing = owner.get(key);
        if (existing !== undefined && existing !== customer) {
          problems.push(`the same API key is configured for customers "${existing}" and "${customer}"`);
          continue;
        }
        owner.set(key, customer);
        add(merged, customer, key);
      }
    }
  }
  return { table: merged, problems };
}

interface StoredKey {
  customer: string;
  digest: Buffer;
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** The live key set; `replace` swaps it atomically when the key file changes. */
export class ApiKeys {
  private stored: StoredKey[] = [];

  constructor(table: KeyTable = new Map()) {
    this.replace(table);
  }

  replace(table: KeyTable): void {
    const stored: StoredKey[] = [];
    for (const [customer, keys] of table) for (const key of keys) stored.push({ customer, digest: digest(key) });
    this.stored = stored;
  }

  /** The customer whose key this is, or null. Constant time in the presented key. */
  customerOf(presented: string): string | null {
    const given = digest(presented);
    let found: string | null = null;
    // No early exit: every stored key is compared whatever matched.
    for (const entry of this.stored) {
      if (timingSafeEqual(given, entry.digest)) found = entry.customer;
    }
    return found;
  }

  get customers(): string[] {
    return [...new Set(this.stored.map((s) => s.customer))].sort();
  }

  get size(): number {
    return this.stored.length;
  }
}

/**
 * The key a request presents: `Authorization: Bearer <key>` first, else `X-API-Key`.
 * Another Authorization scheme (Basic) is not a key.
 */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (match) return match[1]!;
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return null;
}
