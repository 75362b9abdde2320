/**
 * Ground truth: `session,label[,family]` CSV (a header row is optional). `session` is the value
 * of the session key; any label other than `human` is a bot; `family` (e.g. the simulator's bot
 * family) breaks recall down when given — without it, a label other than `human`/`bot` serves as
 * the family. Read streaming, kept as one map entry per session.
 */
import type { SessionFeatures } from '@weir/contracts';
import { csvCells } from './csv.js';
import { OfflineError } from './errors.js';
import { openLines } from './line-source.js';

export interface Label {
  bot: boolean;
  family: string | null;
}

export type Labels = ReadonlyMap<string, Label>;

export async function readLabels(paths: readonly string[]): Promise<Labels> {
  const labels = new Map<string, Label & { where: string }>();
  for (const path of paths) {
    let lineNo = 0;
    const fail = (why: string): never => {
      throw new OfflineError('WEIR_CLI_LABELS', `${path} line ${lineNo}: ${why}`);
    };
    for await (const line of openLines(path).lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const cells = csvCells(line.endsWith('\r') ? line.slice(0, -1) : line);
      if (cells === null) fail('malformed CSV (unbalanced quotes)');
      const [key, label, family] = cells as string[];
      if (lineNo === 1 && key === 'session' && label === 'label') continue;
      if (key === undefined || key === '' || label === undefined || label.trim() === '') fail('expected session,label[,family]');
      const bot = (label as string).trim().toLowerCase() !== 'human';
      const named = family?.trim() || null;
      const plain = (label as string).trim();
      const entry = { bot, family: named ?? (plain === 'human' || plain === 'bot' ? null : plain), where: `${path} line ${lineNo}` };
      const known = labels.get(key as string);
      // The same session labelled twice must agree: a silent choice would train on a coin flip.
      if (known && known.bot !== entry.bot) fail(`session ${JSON.stringify(key)} is labelled ${label} here but differently at ${known.where}`);
      if (!known) labels.set(key as string, entry);
    }
  }
  return labels;
}

/**
 * The labels-file key of a session: its session key, except that an `ip_ua` session without a
 * User-Agent is keyed `<ip>|` by the sessionizer (`ipUaKey`: a missing UA is empty) but
 * `<ip>|-` by the simulator's labels.csv (the UA as the log shows it). Everything else is
 * identical: the simulator writes the UA exactly as logged and the parser reads it back unchanged.
 */
export function labelKeyOf(session: Pick<SessionFeatures, 'sessionKey' | 'clientIp' | 'userAgent'>): string {
  const ip = session.clientIp === '' ? '-' : session.clientIp;
  if (session.userAgent === null && session.sessionKey === `${ip}|`) return `${ip}|-`;
  return session.sessionKey;
}
