/**
 * Apache httpd `LogFormat` strings (mod_log_config): `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`.
 * Fields are named in nginx's vocabulary (`%{X-Forwarded-For}i` → `http_x_forwarded_for`,
 * `%{sid}C` → `cookie_sid`, `%u` → `remote_user`) so that `extra` keys and `sessionIdField` mean
 * the same thing whichever server wrote the log.
 *
 * Backslash escapes are read as httpd reads them in httpd.conf (`\"` → `"`, `\t`, `\n`), so a
 * format can be pasted from a config file. Status conditions (`%400,501{User-agent}i`, `%!200i`)
 * are accepted and ignored: when a condition fails httpd writes `-`, which reads as missing.
 */
import { LogFormatError } from './errors.js';
import { Role, TemplateBuilder, headerVariableName, type LogTemplate, type TemplateField } from './template.js';

type Directive = { role: Role; name: string };

function fail(message: string, format: string): never {
  throw new LogFormatError(`Apache log format: ${message}: ${format}`);
}

function headerField(header: string): Directive {
  const name = `http_${headerVariableName(header)}`;
  if (name === 'http_user_agent') return { role: Role.UserAgent, name };
  if (name === 'http_referer') return { role: Role.Referrer, name };
  if (name === 'http_host') return { role: Role.HttpHost, name };
  return { role: Role.Extra, name };
}

/** `%{sec}t`, `%{begin:msec}t`...; strftime layouts are refused rather than half-supported. */
function timeDirective(arg: string, label: string, format: string): Directive {
  const unit = arg.replace(/^(begin|end):/, '');
  if (unit === 'sec') return { role: Role.TimeEpochS, name: 'time_sec' };
  if (unit === 'msec') return { role: Role.TimeEpochMs, name: 'time_msec' };
  if (unit === 'usec') return { role: Role.TimeEpochUs, name: 'time_usec' };
  if (unit === 'msec_frac' || unit === 'usec_frac') return { role: Role.Extra, name: `time_${unit}` };
  return fail(
    `${label}: strftime time layouts are not supported; use %t, %{sec}t, %{msec}t or %{usec}t`,
    format,
  );
}

/** One directive letter (with its `{arg}` when given) → what it fills. */
function directive(letter: string, arg: string | null, label: string, format: string): Directive {
  const needArg = (): string => arg ?? fail(`${label} needs a {name} argument`, format);
  switch (letter) {
    case 'a':
      return arg === 'c' ? { role: Role.Extra, name: 'peer_addr' } : { role: Role.ClientIp, name: 'remote_addr' };
    case 'h':
      return arg === 'c' ? { role: Role.Extra, name: 'peer_host' } : { role: Role.ClientIp, name: 'remote_addr' };
    case 'A':
      return { role: Role.Extra, name: 'server_addr' };
    case 'b':
    case 'B':
      return { role: Role.BodyBytes, name: 'body_bytes_sent' };
    case 'O':
      return { role: Role.BytesSent, name: 'bytes_sent' };
    case 'I':
      return { role: Role.Extra, name: 'bytes_received' };
    case 'S':
      return { role: Role.Extra, name: 'bytes_transferred' };
    case 'C':
      return { role: Role.Extra, name: `cookie_${needArg()}` };
    case 'D':
      return { role: Role.RequestTimeUs, name: 'request_time_us' };
    case 'T':
      if (arg === null || arg === 's') return { role: Role.RequestTimeS, name: 'request_time' };
      if (arg === 'ms') return { role: Role.RequestTimeMs, name: 'request_time_ms' };
      if (arg === 'us') return { role: Role.RequestTimeUs, name: 'request_time_us' };
      return fail(`${label}: unit must be s, ms or us`, format);
    case 'e':
      return { role: Role.Extra, name: `env_${needArg()}` };
    case 'f':
      return { role: Role.Extra, name: 'request_filename' };
    case 'H':
      return { role: Role.Protocol, name: 'server_protocol' };
    case 'i':
      return headerField(needArg());
    case 'o':
      return { role: Role.Extra, name: `sent_http_${headerVariableName(needArg())}` };
    case 'n':
      return { role: Role.Extra, name: `note_${needArg()}` };
    case 'k':
      return { role: Role.Extra, name: 'keepalive_requests' };
    case 'l':
      return { role: Role.Extra, name: 'remote_logname' };
    case 'L':
      return { role: Role.Extra, name: 'log_id' };
    case 'm':
      return { role: Role.Method, name: 'request_method' };
    case 'p':
      return { role: Role.Extra, name: arg === 'remote' ? 'remote_port' : arg === 'local' ? 'local_port' : 'server_port' };
    case 'P':
      return { role: Role.Extra, name: arg === 'tid' || arg === 'hextid' ? arg : 'pid' };
    case 'q':
      return { role: Role.ArgsWithMark, name: 'query_string' };
    case 'r':
      return { role: Role.Request, name: 'request' };
    case 'R':
      return { role: Role.Extra, name: 'handler' };
    case 's':
      return { role: Role.Status, name: 'status' };
    case 't':
      // Bare %t is special-cased by the caller (it writes its own brackets).
      return timeDirective(needArg(), label, format);
    case 'u':
      return { role: Role.Extra, name: 'remote_user' };
    case 'U':
      return { role: Role.Uri, name: 'uri' };
    case 'v':
      return { role: Role.ServerName, name: 'server_name' };
    case 'V':
      return { role: Role.Host, name: 'host' };
    case 'X':
      return { role: Role.Extra, name: 'connection_status' };
    case '^ti':
      return { role: Role.Extra, name: `trailer_in_${headerVariableName(needArg())}` };
    case '^to':
      return { role: Role.Extra, name: `trailer_out_${headerVariableName(needArg())}` };
    default:
      return fail(`unknown directive '${label}'`, format);
  }
}

const CONFIG_ESCAPES: Record<string, string> = { n: '\n', t: '\t' };

/** Compiles an Apache LogFormat string. Throws LogFormatError (code WEIR_LOG_FORMAT) when it is malformed. */
export function compileApacheFormat(format: string): LogTemplate {
  const builder = new TemplateBuilder('apache', format);
  let i = 0;
  while (i < format.length) {
    const ch = format[i] as string;
    if (ch === '\\' && i + 1 < format.length) {
      const next = format[i + 1] as string;
      builder.text(CONFIG_ESCAPES[next] ?? next);
      i += 2;
      continue;
    }
    if (ch !== '%') {
      builder.text(ch);
      i++;
      continue;
    }
    const start = i;
    i++;
    if (format[i] === '%') {
      builder.text('%');
      i++;
      continue;
    }
    // Modifiers in any order, as mod_log_config accepts them: conditions, < >, and one {argument}.
    let arg: string | null = null;
    for (;;) {
      const m = format[i];
      if (m === undefined) fail(`'%' at column ${start + 1} ends the format without a directive`, format);
      if (m === '{') {
        const close = format.indexOf('}', i + 1);
        if (close === -1) fail(`'{' at column ${i + 1} has no closing '}'`, format);
        if (arg !== null) fail(`two {arguments} in the directive at column ${start + 1}`, format);
        arg = format.slice(i + 1, close);
        i = close + 1;
      } else if (m === '<' || m === '>' || m === '!' || m === ',' || (m >= '0' && m <= '9')) {
        i++;
      } else break;
    }
    let letter = format[i] as string;
    if (letter === '}') fail(`unbalanced '}' at column ${i + 1}`, format);
    if (letter === '^') {
      letter = format.slice(i, i + 3);
      i += 3;
    } else i++;
    const label = format.slice(start, i);
    const column = start + 1;
    if (letter === 't' && arg === null) {
      // %t writes `[10/Oct/2000:13:55:36 -0700]`, brackets included.
      builder.text('[');
      builder.field({ role: Role.TimeLocal, name: 'time_local', label, column });
      builder.text(']');
      continue;
    }
    const { role, name } = directive(letter, arg, label, format);
    const field: TemplateField = { role, name, label, column };
    builder.field(field);
  }
  return builder.build();
}
