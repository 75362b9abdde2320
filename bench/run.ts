/**
 * `pnpm bench [name ...]`: runs every bench/*.bench.ts but the peers comparison (or those whose
 * name contains one of the arguments), prints each figure with its same-run baseline and ratio, and writes them all
 * as JSON to bench/results.json's path given by WEIR_BENCH_OUT when set.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatResult, type BenchResult } from './result.js';

interface BenchModule {
  run(): Promise<BenchResult[]>;
}

function isBenchModule(value: unknown): value is BenchModule {
  return typeof value === 'object' && value !== null && typeof (value as { run?: unknown }).run === 'function';
}

/** Run only when named (`pnpm bench peers`): they download other engines and take many minutes. */
const ONLY_WHEN_NAMED = ['peers.bench.ts'];

const filters = process.argv.slice(2).filter((a) => a !== '--');
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => (filters.length === 0 ? !ONLY_WHEN_NAMED.includes(f) : filters.some((filter) => f.includes(filter))))
  .sort();

const all: Record<string, BenchResult[]> = {};
for (const [index, file] of files.entries()) {
  console.log(`\n[${index + 1}/${files.length}] ${file}`);
  const started = performance.now();
  const module: unknown = await import(pathToFileURL(join(import.meta.dirname, file)).href);
  if (!isBenchModule(module)) throw new Error(`${file} does not export run()`);
  const results = await module.run();
  for (const result of results) console.log(`  ${formatResult(result)}`);
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  all[file] = results;
}

if (process.env.WEIR_BENCH_OUT) writeFileSync(process.env.WEIR_BENCH_OUT, JSON.stringify(all, null, 2));
