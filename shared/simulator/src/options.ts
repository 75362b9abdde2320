/** The knobs of a simulation, their defaults, and their checks. */
import { BOT_FAMILIES, type BotFamily } from './families.js';
import { HOUR } from './time.js';

export interface SimulationOptions {
  /** Number of customer sites. Default 3. */
  customers?: number;
  /** First instant simulated, epoch ms. Default `DEFAULT_START`: fixed, so output is reproducible. */
  start?: number;
  /** Length of the simulated period, ms. Default one hour. */
  durationMs?: number;
  /** Any string; the same seed and options give byte-identical output. Default '1'. */
  seed?: string | number;
  /** Expected share of sessions that are bots, 0–1. Default 0.3. */
  botShare?: number;
  /** Bot families to simulate. Default all of `BOT_FAMILIES`. */
  families?: readonly BotFamily[];
  /** Mean sessions started per minute per customer over the period. Default 10. */
  ratePerMinute?: number;
  /** Each customer's UTC offset in minutes, cycled over the customers. Default [0]. */
  utcOffsets?: readonly number[];
  /**
   * `classic` (default): every site logs its assets and reloads pages, every person sends
   * referrers at a reader's pace. `wide`: sites and people vary as real ones do (see layout.ts):
   * assets behind a CDN, single-page apps, paces; people without referrers, long busy sessions
   * full of 304s. The default model is trained on `wide`.
   */
  variety?: Variety;
  /**
   * `combined` (default): every site logs in Combined Log Format. `mixed`: customers take turns
   * with layouts that leave fields out (`LOG_LAYOUTS`: no referrer and no byte count; no referrer),
   * the first customer keeping `combined`, so a model learns what a log without them looks like.
   */
  logFormats?: LogFormats;
}

export type LogFormats = 'combined' | 'mixed';
export const LOG_FORMAT_CHOICES: readonly LogFormats[] = ['combined', 'mixed'];

export type Variety = 'classic' | 'wide';
export const VARIETIES: readonly Variety[] = ['classic', 'wide'];

export type ResolvedOptions = Required<Omit<SimulationOptions, 'seed'>> & { seed: string };

/** 2025-03-04T09:00:00Z: a Tuesday morning in Europe, so a short default run has daytime traffic. */
export const DEFAULT_START = Date.UTC(2025, 2, 4, 9, 0, 0);

export const DEFAULTS: ResolvedOptions = {
  customers: 3,
  start: DEFAULT_START,
  durationMs: HOUR,
  seed: '1',
  botShare: 0.3,
  families: BOT_FAMILIES,
  ratePerMinute: 10,
  utcOffsets: [0],
  variety: 'classic',
  logFormats: 'combined',
};

/** Fills in defaults and checks ranges; throws RangeError with a message meant for a person. */
export function resolveOptions(options: SimulationOptions = {}): ResolvedOptions {
  const o: ResolvedOptions = {
    customers: options.customers ?? DEFAULTS.customers,
    start: options.start ?? DEFAULTS.start,
    durationMs: options.durationMs ?? DEFAULTS.durationMs,
    seed: String(options.seed ?? DEFAULTS.seed),
    botShare: options.botShare ?? DEFAULTS.botShare,
    families: options.families ?? DEFAULTS.families,
    ratePerMinute: options.ratePerMinute ?? DEFAULTS.ratePerMinute,
    utcOffsets: options.utcOffsets ?? DEFAULTS.utcOffsets,
    variety: options.variety ?? DEFAULTS.variety,
    logFormats: options.logFormats ?? DEFAULTS.logFormats,
  };
  if (!LOG_FORMAT_CHOICES.includes(o.logFormats)) throw new RangeError(`log formats must be one of ${LOG_FORMAT_CHOICES.join(', ')}, not ${String(o.logFormats)}`);
  if (!VARIETIES.includes(o.variety)) throw new RangeError(`variety must be one of ${VARIETIES.join(', ')}, not ${String(o.variety)}`);
  if (!Number.isInteger(o.customers) || o.customers < 1 || o.customers > 10_000) {
    throw new RangeError(`customers must be a whole number from 1 to 10000, not ${o.customers}`);
  }
  if (!Number.isFinite(o.start)) throw new RangeError('start must be a valid time');
  if (!(o.durationMs > 0) || !Number.isFinite(o.durationMs)) throw new RangeError('duration must be more than zero');
  if (!(o.botShare >= 0 && o.botShare <= 1)) throw new RangeError(`bot share must be between 0 and 1, not ${o.botShare}`);
  if (!(o.ratePerMinute > 0) || !Number.isFinite(o.ratePerMinute)) throw new RangeError(`rate must be more than zero, not ${o.ratePerMinute}`);
  for (const family of o.families) {
    if (!(BOT_FAMILIES as readonly string[]).includes(family)) throw new RangeError(`unknown bot family "${family}"`);
  }
  if (o.botShare > 0 && o.families.length === 0) throw new RangeError('a bot share above zero needs at least one bot family');
  if (o.utcOffsets.length === 0 || o.utcOffsets.some((m) => !Number.isInteger(m) || Math.abs(m) > 14 * 60)) {
    throw new RangeError('UTC offsets must be whole minutes within ±14 hours');
  }
  return o;
}
