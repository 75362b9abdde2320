/**
 * The input flags train, evaluate and score share, and what they resolve to: which files, read
 * how (format, session key, time zone), labelled by which files.
 */
import { UsageError } from '../command.js';
import { labelledRows, type LabelledRows } from './dataset.js';
import { OfflineError } from './errors.js';
import { resolveInputs, type LogSource } from './inputs.js';
import { readLabels } from './labels.js';
import { count, Progress } from './progress.js';
import { resolveSessionKey, type ResolvedSessionKey } from './session-key.js';
import { SessionReading } from './sessions.js';

export const INPUT_FLAGS = {
  input: { type: 'string', multiple: true },
  labels: { type: 'string', multiple: true },
  format: { type: 'string', default: 'combined' },
  'session-key': { type: 'string', default: 'ip_ua' },
  customer: { type: 'string' },
  timezone: { type: 'string', default: 'UTC' },
  quiet: { type: 'boolean', default: false },
} as const;

export const INPUT_USAGE = `  --input FILE|DIR|-    access logs (.gz too; repeat, or list files after it), - for stdin, or a directory
                        of *.log files and labels.csv as weir simulate --out writes (customer = file name)
  --format F            combined (default), common, json, an nginx log_format or an Apache LogFormat string
  --session-key K       ip_ua (default) or field:NAME, e.g. field:cookie_sid (requests without it fall back to ip_ua)
  --customer NAME       customer of every input file (default: its file name without .log)
  --timezone ZONE       the customers' IANA zone or UTC offset, for night_share (default UTC)
  --quiet               no progress on stderr`;

export const LABELS_USAGE = `  --labels FILE.csv     session,label[,family] rows, session = the session key's value (for ip_ua "<ip>|<user agent
                        as logged, - if none>", as weir simulate writes); any label but "human" is a bot. Default:
                        the labels.csv of a directory input`;

export interface InputFlagValues {
  input?: string[] | undefined;
  labels?: string[] | undefined;
  format: string;
  'session-key': string;
  customer?: string | undefined;
  timezone: string;
  quiet: boolean;
}

export interface ResolvedInput {
  sources: LogSource[];
  /** Labels files: --labels, else those found in directory inputs. */
  labels: string[];
  sessionKey: ResolvedSessionKey;
  progress: Progress;
  reading: SessionReading;
}

export function resolveInputFlags(values: InputFlagValues, positionals: readonly string[]): ResolvedInput {
  const paths = [...(values.input ?? []), ...positionals];
  if (paths.length === 0) throw new UsageError('--input is required (log files, a directory of logs, or - for stdin)');
  const sessionKey = resolveSessionKey(values['session-key']);
  const inputs = resolveInputs(paths, values.customer);
  const progress = new Progress(!values.quiet);
  return {
    sources: inputs.sources,
    labels: values.labels ?? inputs.labels,
    sessionKey,
    progress,
    reading: new SessionReading(inputs.sources, { format: values.format, sessionKey, timeZone: values.timezone, progress }),
  };
}

/**
 * Reads every session and joins it to its label. Fails (WEIR_CLI_NO_LABELLED) when no session has
 * a label: almost always the wrong --session-key or the wrong labels file, and the message shows
 * keys from both sides so the mismatch is visible.
 */
export async function readLabelledSessions(input: ResolvedInput): Promise<LabelledRows> {
  if (input.labels.length === 0) throw new UsageError('--labels is required (or an --input directory holding labels.csv)');
  const labels = await readLabels(input.labels);
  const set = await labelledRows(input.reading.sessions(), labels);
  if (set.rows.length === 0) {
    const sample = [...labels.keys()].slice(0, 3);
    throw new OfflineError(
      'WEIR_CLI_NO_LABELLED',
      `none of the ${count(set.sessions)} sessions has a label in ${input.labels.join(', ')} ` +
        `(session keys look like ${JSON.stringify(set.unlabelledExamples.slice(0, 3))}, label keys like ${JSON.stringify(sample)}): ` +
        `check --session-key (${input.sessionKey.spec}) and --labels`,
    );
  }
  return set;
}

/** What was read and joined, for the summary a command prints. */
export function describeLabelled(input: ResolvedInput, set: LabelledRows): string[] {
  const bots = set.labels.filter((y) => y === 1).length;
  const families = Object.entries(set.byFamily)
    .sort((a, b) => b[1] - a[1])
    .map(([family, n]) => `${family} ${count(n)}`)
    .join(', ');
  return [
    ...input.reading.describe(),
    `sessions: ${count(set.sessions)} closed (key ${input.sessionKey.spec}), ${count(set.rows.length)} labelled ` +
      `(${count(bots)} bots, ${count(set.rows.length - bots)} humans), ${count(set.unlabelled)} without a label row (left out)`,
    `  by family: ${families}`,
  ];
}
