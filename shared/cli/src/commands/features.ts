import { UsageError, type Command } from '../command.js';
import { parseFlags } from '../offline/args.js';
import { runReported } from '../offline/errors.js';
import { resolveInputs } from '../offline/inputs.js';
import { NdjsonWriter } from '../offline/ndjson.js';
import { count, Progress } from '../offline/progress.js';
import { resolveSessionKey } from '../offline/session-key.js';
import { SessionReading } from '../offline/sessions.js';

const usage = `weir features --input FILE|DIR|- [--input ...] [--format F] [--session-key ip_ua|field:NAME]
                     [--customer NAME] [--timezone ZONE] --out FILE.ndjson|-

Computes every session feature from access logs with the code the sessionize stage runs
(OfflinePipeline), streaming: one JSON line per closed session (the SessionFeatures record:
sessionKey, customer, firstTime, lastTime, requestCount, features...).

  --input FILE|DIR|-    a log file (.gz too), a directory of *.log files (weir simulate --out), or - for stdin;
                        repeat, or list several files after it
  --format F            combined (default), common, json, an nginx log_format or an Apache LogFormat string
  --session-key K       ip_ua (default) or field:NAME: a log field such as field:cookie_sid (from $cookie_sid,
                        or cut out of a logged $http_cookie); requests without it fall back to ip_ua
  --customer NAME       customer of every input (default: the file name without .log; "default" for stdin)
  --timezone ZONE       the customers' IANA zone or UTC offset, for night_share (default UTC)
  --out FILE            where to write, - for stdout
  --quiet               no progress on stderr`;

export const command: Command = {
  summary: 'Compute session features from a log file with the same code the sessionize stage runs: one JSON line per closed session.',
  usage,
  run: (argv) =>
    runReported('features', async () => {
      const { values, positionals } = parseFlags(argv, {
        input: { type: 'string', multiple: true },
        format: { type: 'string', default: 'combined' },
        'session-key': { type: 'string', default: 'ip_ua' },
        customer: { type: 'string' },
        timezone: { type: 'string', default: 'UTC' },
        out: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      });
      const paths = [...(values.input ?? []), ...positionals];
      if (paths.length === 0) throw new UsageError('--input is required (a file, a directory of logs, or - for stdin)');
      if (!values.out) throw new UsageError('--out is required (a file, or - for stdout)');
      const sessionKey = resolveSessionKey(values['session-key']);
      const { sources } = resolveInputs(paths, values.customer);
      const progress = new Progress(!values.quiet);
      const reading = new SessionReading(sources, { format: values.format, sessionKey, timeZone: values.timezone, progress });
      const out = new NdjsonWriter(values.out);
      const started = performance.now();
      for await (const { session } of reading.sessions()) await out.write(session);
      await out.close();
      // With --out -, stdout carries the records: the summary goes to stderr instead.
      const print = values.out === '-' ? console.error : console.log;
      for (const line of reading.describe()) print(line);
      print(
        `sessions: ${count(out.lines)} closed (key ${sessionKey.spec}); late events: ${count(reading.stats.lateEvents)}; ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s → ${values.out}`,
      );
      return 0;
    }),
};
