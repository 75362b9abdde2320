/**
 * Hot reload: a ModelStore serves the newest valid pipeline under a directory and swaps in a new one
 * when it appears, without a restart. Layout of the watched directory (first match wins):
 *
 *   MODEL_DIR/current/pipeline.json      `current` (a directory or a symlink to one) names the version to serve
 *   MODEL_DIR/<any name>/pipeline.json   otherwise the subdirectory whose pipeline.json has the latest `created`
 *                                        (equal times: the greatest name)
 *   MODEL_DIR/pipeline.json              otherwise a single pipeline saved straight into the directory
 *
 * Every `pollMs` the store resolves that target and fingerprints its files (names, sizes, mtimes);
 * when that changes it loads the target. A pipeline trained on other feature code (fingerprint ≠ the
 * running one) is refused with WEIR_MODEL_FINGERPRINT, as is anything that fails to load, and the
 * model already serving keeps serving. A refused target is not retried until its files change.
 * Events: `loaded` and `refused`, for logs and metrics.
 *
 * A shadow model is simply a second store on another directory with `slot: 'shadow'`; the caller
 * publishes its scores marked `shadow: true`.
 */
import { EventEmitter } from 'node:events';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import { isModelError, type ModelErrorCode } from './errors.js';
import { PIPELINE_JSON } from './manifest.js';
import { loadModelPipeline, readPipelineManifest } from './persist.js';
import type { ModelPipeline } from './pipeline.js';

export type ModelSlot = 'primary' | 'shadow';

export interface ModelLoadedEvent {
  slot: ModelSlot;
  version: string;
  dir: string;
  fingerprint: string;
  previousVersion: string | null;
}

export interface ModelRefusedEvent {
  slot: ModelSlot;
  dir: string;
  code: ModelErrorCode;
  message: string;
  /** The version still serving (null when none). */
  keptVersion: string | null;
}

export interface ModelStoreEvents {
  loaded: [ModelLoadedEvent];
  refused: [ModelRefusedEvent];
}

export interface ModelStoreOptions {
  dir: string;
  /** Fingerprint of the running feature code: a pipeline trained with another is refused. */
  fingerprint: string;
  /** Poll interval; default 5000 ms. */
  pollMs?: number;
  slot?: ModelSlot;
  /**
   * How long a replaced pipeline stays usable before its weights are freed, for callers that took
   * a reference just before the swap; default 30 000 ms.
   */
  disposeGraceMs?: number;
}

export class ModelStore extends EventEmitter<ModelStoreEvents> {
  readonly dir: string;
  readonly slot: ModelSlot;
  private readonly fingerprint: string;
  private readonly pollMs: number;
  private readonly disposeGraceMs: number;
  private serving: ModelPipeline | null = null;
  private servingDir: string | null = null;
  private lastSignature: string | null = null;
  private lastFailed = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private readonly retiring = new Set<{ pipeline: ModelPipeline; timer: NodeJS.Timeout }>();
  private readonly reportedBadManifests = new Set<string>();

  constructor(options: ModelStoreOptions) {
    super();
    this.dir = options.dir;
    this.slot = options.slot ?? 'primary';
    this.fingerprint = options.fingerprint;
    this.pollMs = options.pollMs ?? 5000;
    this.disposeGraceMs = options.disposeGraceMs ?? 30_000;
  }

  /** The pipeline serving now, or null before the first successful load. Do not keep it across awaits for long. */
  current(): ModelPipeline | null {
    return this.serving;
  }

  /** The directory the serving pipeline came from. */
  currentDir(): string | null {
    return this.servingDir;
  }

  /**
   * Loads what is there now (resolving once the attempt is over, loaded or refused), then polls.
   * A polling store keeps the process alive, like any watcher: `stop()` or `close()` it.
   */
  async start(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    await this.refresh();
    this.schedule();
  }

  /** Stops polling; the serving pipeline stays usable. */
  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops polling and frees every pipeline this store holds. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    await this.inFlight;
    for (const entry of this.retiring) {
      clearTimeout(entry.timer);
      entry.pipeline.dispose();
    }
    this.retiring.clear();
    this.serving?.dispose();
    this.serving = null;
    this.servingDir = null;
  }

  /** One poll: looks at the directory and loads a changed target. Concurrent calls share one attempt. */
  async refresh(): Promise<void> {
    if (this.inFlight === null) {
      this.inFlight = this.poll().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private schedule(): void {
    if (!this.running) return;
    // A chain of timeouts rather than an interval: a slow load can never overlap the next poll.
    this.timer = setTimeout(() => {
      // A throwing event listener must not end hot reload; start() and refresh() still surface it.
      void this.refresh()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.pollMs);
  }

  private async poll(): Promise<void> {
    const target = await this.resolveTarget();
    if (target === null) return;
    const signature = await this.signatureOf(target);
    if (signature === null || signature === this.lastSignature) return;
    const previous = this.lastSignature;
    this.lastSignature = signature;
    // After a good load, only a new pipeline.json (written last by saveModelPipeline) means a new
    // version: reacting to the network files alone would catch an in-place save half-way. After a
    // failed load, any change is worth a retry (a copy may have been completing).
    if (!this.lastFailed && previous !== null && manifestPart(previous) === manifestPart(signature)) return;
    let pipeline: ModelPipeline;
    try {
      pipeline = await loadModelPipeline(target, { fingerprint: this.fingerprint });
    } catch (err) {
      this.lastFailed = true;
      this.refuse(target, err);
      return;
    }
    this.lastFailed = false;
    const unchanged =
      this.serving !== null && canonicalJson(pipeline.manifest) === canonicalJson(this.serving.manifest);
    // Same pipeline re-saved or touched: keep the instance callers already hold. (A threshold edit
    // keeps the version but changes the manifest, so it does swap in.) Closed meanwhile: drop it.
    if (unchanged || this.closed) {
      pipeline.dispose();
      if (unchanged) this.servingDir = target;
      return;
    }
    const replaced = this.serving;
    this.serving = pipeline;
    this.servingDir = target;
    if (replaced !== null) this.retire(replaced);
    this.emit('loaded', {
      slot: this.slot,
      version: pipeline.version,
      dir: target,
      fingerprint: pipeline.fingerprint,
      previousVersion: replaced?.version ?? null,
    });
  }

  private refuse(dir: string, err: unknown): void {
    this.emit('refused', {
      slot: this.slot,
      dir,
      code: isModelError(err) ? err.code : 'WEIR_MODEL_FORMAT',
      message: err instanceof Error ? err.message : String(err),
      keptVersion: this.serving?.version ?? null,
    });
  }

  private retire(pipeline: ModelPipeline): void {
    const entry = {
      pipeline,
      timer: setTimeout(() => {
        pipeline.dispose();
        this.retiring.delete(entry);
      }, this.disposeGraceMs),
    };
    entry.timer.unref();
    this.retiring.add(entry);
  }

  /** The directory to serve from, per the layout above; null when there is nothing yet. */
  private async resolveTarget(): Promise<string | null> {
    const current = join(this.dir, 'current');
    if (await exists(join(current, PIPELINE_JSON))) return current;
    let entries: string[];
    try {
      entries = (await readdir(this.dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory() || e.isSymbolicLink())
        .map((e) => e.name)
        .sort();
    } catch {
      return null;
    }
    let newest: { dir: string; created: number } | null = null;
    for (const name of entries) {
      const dir = join(this.dir, name);
      if (!(await exists(join(dir, PIPELINE_JSON)))) continue;
      let created: number;
      try {
        created = Date.parse((await readPipelineManifest(dir)).created);
      } catch (err) {
        this.reportBadManifest(dir, err);
        continue;
      }
      // Sorted names and ≥: equal times resolve to the greatest name.
      if (newest === null || created >= newest.created) newest = { dir, created };
    }
    if (newest !== null) return newest.dir;
    return (await exists(join(this.dir, PIPELINE_JSON))) ? this.dir : null;
  }

  /** An unreadable candidate is skipped for selection but reported, once per version of its file. */
  private reportBadManifest(dir: string, err: unknown): void {
    void this.signatureOf(dir).then((signature) => {
      const key = `${dir}\u0000${signature ?? ''}`;
      if (this.reportedBadManifests.has(key)) return;
      this.reportedBadManifests.add(key);
      this.refuse(dir, err);
    });
  }

  /** `<real dir>␊<pipeline.json stat>␊<every file's name:size:mtime>…`: what changed, cheaply. */
  private async signatureOf(dir: string): Promise<string | null> {
    try {
      const real = await realpath(dir);
      const files: string[] = [];
      for (const name of (await readdir(real)).sort()) {
        const s = await stat(join(real, name));
        files.push(`${name}:${s.size}:${s.mtimeMs}`);
      }
      const manifest = files.find((f) => f.startsWith(`${PIPELINE_JSON}:`)) ?? '';
      return [real, manifest, ...files].join('\n');
    } catch {
      return null;
    }
  }
}

function manifestPart(signature: string): string {
  return signature.split('\n', 2).join('\n');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
