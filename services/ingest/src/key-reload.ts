/**
 * Reloads the API key file when it changes, for key rotation without a restart.
 *
 * Polls the file's content rather than watching it: a Kubernetes Secret volume is updated by
 * swapping a symlink, which fs.watch on the file misses, and polling also survives editors that
 * write a new file and rename it. A file that cannot be read or does not parse keeps the keys in
 * force (logged as an error): a half-written file must not lock every customer out.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { mergeKeyTables, parseKeyFile, type ApiKeys, type KeyTable } from './api-keys.js';

export interface KeyReloaderOptions {
  path: string;
  /** Keys from WEIR_INGEST_API_KEYS, merged with the file's on every reload. */
  envKeys: KeyTable;
  keys: ApiKeys;
  intervalMs: number;
  logger: Logger;
  /** The file's text as loaded at start-up, so the first poll does not count as a change. */
  initialText?: string;
  read?: (path: string) => Promise<string>;
}

export class KeyReloader {
  private timer: NodeJS.Timeout | undefined;
  private lastText: string | undefined;
  /** The last invalid text seen, so one bad file is reported once, not on every poll. */
  private lastBadText: string | undefined;
  private polling: Promise<void> | undefined;
  private readonly read: (path: string) => Promise<string>;

  constructor(private readonly options: KeyReloaderOptions) {
    this.lastText = options.initialText;
    this.read = options.read ?? ((path) => readFile(path, 'utf8'));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    // The reloader alone must not keep the process alive at shutdown.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One look at the file; applies it when it changed and is valid. Never throws. */
  poll(): Promise<void> {
    // One read at a time: a slow volume must not stack reads.
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const { path, logger } = this.options;
    let text: string;
    try {
      text = await this.read(path);
    } catch (err) {
      logger.error({ path, err: err instanceof Error ? err.message : String(err) }, 'API key file unreadable: keeping the current keys');
      return;
    }
    if (text === this.lastText || text === this.lastBadText) return;
    const file = parseKeyFile(text, path);
    const merged = mergeKeyTables(this.options.envKeys, file.table);
    const problems = [...file.problems, ...merged.problems];
    if (problems.length > 0) {
      this.lastBadText = text;
      logger.error({ path, problems }, 'API key file invalid: keeping the current keys');
      return;
    }
    this.lastText = text;
    this.lastBadText = undefined;
    this.options.keys.replace(merged.table);
    logger.info({ path, customers: this.options.keys.customers.length, keys: this.options.keys.size }, 'API keys reloaded');
  }
}
