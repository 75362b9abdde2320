import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { parseLines, ParseSummary } from '@weir/logs';
import { OfflinePipeline } from '@weir/pipeline';
import { UsageError, type Command } from '../command.js';

const usage =
  "weir features --input FILE|- --format <combined|common|json|'nginx log_format'> [--session-key ip_ua|field:NAME] " +
  '[--customer NAME] [--timezone ZONE] --out FILE.ndjson';

export const command: Command = {
  summary:
    'Compute session features from a log file with the same code the sessionize stage runs: one JSON line per closed session.',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string' },
        format: { type: 'string', default: 'combined' },
        'session-key': { type: 'string', default: 'ip_ua' },
        customer: { type: 'string' },
        timezone: { type: 'string', default: 'UTC' },
        out: { type: 'string' },
      },
      strict: true,
    });
    if (!values.input) throw new UsageError('--input is required (a file, or - for stdin)');
    if (!values.out) throw new UsageError('--out is required');
    const sessionKey = values['session-key'];
    if (sessionKey !== 'ip_ua' && !/^field:.+$/.test(sessionKey)) throw new UsageError(`--session-key must be ip_ua or field:NAME, got '${sessionKey}'`);
    const customer = values.customer ?? (values.input === '-' ? 'default' : basename(values.input).replace(/\.[^.]*$/, '') || 'default');
    const named = sessionKey.startsWith('field:') ? sessionKey.slice('field:'.length) : undefined;
    // A named log field (`cookie_sid`, `http_x_session`) reaches the sessionizer as the event's
    // sessionId: the parser also finds a cookie inside a logged Cookie header that way.
    const topLevel = named === undefined || ['sessionId', 'clientIp', 'host', 'userAgent'].includes(named);
    const field = topLevel ? undefined : named;

    const input = values.input === '-' ? process.stdin : createReadStream(values.input);
    const lines = createInterface({ input, crlfDelay: Infinity });
    const out = createWriteStream(values.out);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    const pipeline = new OfflinePipeline({
      sessionizer: { sessionKey: named === undefined ? 'ip_ua' : `field:${field ? 'sessionId' : named}`, timeZone: values.timezone },
    });
    const summary = new ParseSummary();
    let sessions = 0;
    const started = Date.now();
    for await (const result of parseLines(lines, { format: values.format, customer, summary, ...(field ? { sessionIdField: field } : {}) })) {
      if (!result.ok) continue;
      for (const { session } of pipeline.push(result.event)) {
        sessions++;
        await write(JSON.stringify(session) + '\n');
      }
      if (summary.lines % 200_000 === 0) process.stderr.write(`\r${summary.lines} lines, ${sessions} sessions`);
    }
    for (const { session } of pipeline.finish()) {
      sessions++;
      await write(JSON.stringify(session) + '\n');
    }
    out.end();
    await once(out, 'finish');
    const stats = pipeline.stats();
    if (summary.lines >= 200_000) process.stderr.write('\n');
    console.log(summary.toString());
    for (const rejected of summary.examples) console.log(`  rejected ${rejected.message}`);
    console.log(
      `sessions: ${sessions} closed (customer ${customer}, key ${sessionKey}); late events: ${stats.lateEvents}; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s → ${values.out}`,
    );
    return 0;
  },
};
