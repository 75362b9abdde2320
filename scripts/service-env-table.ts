/**
 * The README's table of the environment variables each service reads, generated from the same
 * env specs the services parse at start-up and print with `--help`, so the docs cannot drift:
 * scripts/service-env-table.test.ts fails when README.md holds anything else.
 *
 *   pnpm exec tsx scripts/service-env-table.ts           prints the table
 *   pnpm exec tsx scripts/service-env-table.ts --write   replaces it in README.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ingestEnv } from '../services/ingest/src/config.js';
import { scoreEnv } from '../services/score/src/config.js';
import { esEnv } from '../services/score/src/elasticsearch/index.js';
import { sessionizeEnv } from '../services/sessionize/src/config.js';
import { windowEnv } from '../services/window/src/config.js';
import { logEnv, registryEnv } from '../shared/service/src/index.js';
import { busEnv, type EnvSpec, type EnvVar } from '../shared/stream/src/index.js';

export const SERVICES = ['ingest', 'sessionize', 'window', 'score'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * What each service reads, in the order of its `--help`: its own spec first, so that where a
 * service's spec and a shared one name the same variable (score's optional ELASTICSEARCH_URL,
 * the sink's required one), the service's own reading wins.
 */
export const SERVICE_ENV: Record<ServiceName, EnvSpec[]> = {
  ingest: [ingestEnv, busEnv, registryEnv, logEnv],
  sessionize: [sessionizeEnv, busEnv, registryEnv, logEnv],
  window: [windowEnv, busEnv, registryEnv, logEnv],
  score: [scoreEnv, esEnv, busEnv, registryEnv, logEnv],
};

export const README_PATH = join(import.meta.dirname, '..', 'README.md');
export const BEGIN_MARKER = '<!-- SERVICE-ENV -->';
export const END_MARKER = '<!-- /SERVICE-ENV -->';

export interface EnvRow {
  name: string;
  services: ServiceName[];
  /** Per service: the default as written in the environment, `null` when optional, `required`. */
  defaults: Map<ServiceName, string | null | 'required'>;
  meanings: Map<ServiceName, string>;
}

// Formats worth a reader's time (host:port lists, key lists, enumerations) are added to the
// description; the env builders' bare types and file paths the description names already are not.
const UNINFORMATIVE_EXPECTED = /^(a duration such as |an integer|a number|true or false$|text$|a URL \(|path of a PEM file$|path of a model|an ILM policy name$)/;

function meaningOf(v: EnvVar<unknown>): string {
  if (v.description === undefined) return v.expected;
  const said = UNINFORMATIVE_EXPECTED.test(v.expected) || v.description.includes(v.expected);
  return said ? v.description : `${v.description}. Value: ${v.expected}`;
}

/** One row per variable: those most services read first, then in the order met going through the services. */
export function envRows(services: Record<ServiceName, EnvSpec[]> = SERVICE_ENV): EnvRow[] {
  const rows = new Map<string, EnvRow>();
  for (const service of SERVICES) {
    for (const spec of services[service]) {
      for (const v of Object.values(spec)) {
        let row = rows.get(v.name);
        if (row === undefined) {
          row = { name: v.name, services: [], defaults: new Map(), meanings: new Map() };
          rows.set(v.name, row);
        }
        if (row.services.includes(service)) continue;
        row.services.push(service);
        row.defaults.set(service, v.defaultText ?? (v.required ? 'required' : null));
        row.meanings.set(service, meaningOf(v));
      }
    }
  }
  // Array.prototype.sort is stable: within a group, the services' own order stays.
  return [...rows.values()].sort((a, b) => b.services.length - a.services.length);
}

/** `a (ingest), b (sessionize, window)` when services differ, the one value when they agree. */
function perService<T>(row: EnvRow, values: Map<ServiceName, T>, show: (value: T) => string, join: string): string {
  const groups = new Map<string, ServiceName[]>();
  for (const service of row.services) {
    const shown = show(values.get(service)!);
    groups.set(shown, [...(groups.get(shown) ?? []), service]);
  }
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([shown, services]) => `${shown} (${services.join(', ')})`).join(join);
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
// Outside code spans, `<prefix>` would be read as an HTML tag, `WEIR_ES_*` as emphasis and the
// backslashes of `^weir\.logs\.` as escapes.
const prose = (text: string) => cell(text.replace(/([\\<>*])/g, '\\$1'));

function showDefault(value: string | null | 'required'): string {
  if (value === null) return '—';
  if (value === 'required') return 'required';
  return `\`${cell(value)}\``;
}

export function renderEnvTable(rows: EnvRow[] = envRows()): string {
  const lines = ['| Variable | Services | Default | Meaning |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    const defaults = perService(row, row.defaults, showDefault, ', ');
    const meaning = perService(row, row.meanings, prose, '; ');
    lines.push(`| \`${row.name}\` | ${row.services.join(', ')} | ${defaults} | ${meaning} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The text between the markers, without the blank lines that surround it. */
export function readmeTable(readme: string): string | undefined {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return undefined;
  return `${readme.slice(begin + BEGIN_MARKER.length, end).trim()}\n`;
}

export function withTable(readme: string, table: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN_MARKER} ... ${END_MARKER} region`);
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n\n${table}\n${readme.slice(end)}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const table = renderEnvTable();
  if (process.argv.includes('--write')) writeFileSync(README_PATH, withTable(readFileSync(README_PATH, 'utf8'), table));
  else process.stdout.write(table);
}
