/**
 * nginx `log_format` strings: `$remote_addr - $remote_user [$time_local] "$request" ...`.
 * Variables are `$name` (letters, digits, `_`) or `${name}` when text follows without a separator.
 * Known variables fill RequestEvent fields; every other variable is kept in `extra` under its name.
 */
import { LogFormatError } from './errors.js';
import { Role, TemplateBuilder, type LogTemplate, type TemplateField } from './template.js';

/** nginx variables with a RequestEvent meaning; see Role for how duplicates are resolved. */
const NGINX_ROLES: Record<string, Role> = {
  remote_addr: Role.ClientIp,
  time_local: Role.TimeLocal,
  time_iso8601: Role.TimeIso,
  msec: Role.TimeSecondsFraction,
  request: Role.Request,
  request_method: Role.Method,
  request_uri: Role.RequestUri,
  uri: Role.Uri,
  document_uri: Role.Uri,
  args: Role.Args,
  query_string: Role.Args,
  server_protocol: Role.Protocol,
  status: Role.Status,
  body_bytes_sent: Role.BodyBytes,
  bytes_sent: Role.BytesSent,
  http_user_agent: Role.UserAgent,
  http_referer: Role.Referrer,
  host: Role.Host,
  http_host: Role.HttpHost,
  request_time: Role.RequestTimeS,
};

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function nginxField(name: string, label: string, column: number): TemplateField {
  const role = Object.hasOwn(NGINX_ROLES, name) ? (NGINX_ROLES[name] as Role) : Role.Extra;
  return { role, name, label, column };
}

/** Compiles an nginx log_format string. Throws LogFormatError (code WEIR_LOG_FORMAT) when it is malformed. */
export function compileNginxFormat(format: string): LogTemplate {
  const builder = new TemplateBuilder('nginx', format);
  let i = 0;
  while (i < format.length) {
    const dollar = format.indexOf('$', i);
    if (dollar === -1) {
      builder.text(format.slice(i));
      break;
    }
    builder.text(format.slice(i, dollar));
    const column = dollar + 1;
    if (format.charCodeAt(dollar + 1) === 123 /* { */) {
      const close = format.indexOf('}', dollar + 2);
      if (close === -1) {
        throw new LogFormatError(`nginx log format: '\${' at column ${column} has no closing '}': ${format}`);
      }
      const name = format.slice(dollar + 2, close);
      if (name.length === 0 || ![...name].every((ch) => isNameChar(ch.charCodeAt(0)))) {
        throw new LogFormatError(`nginx log format: invalid variable name '\${${name}}' at column ${column}: ${format}`);
      }
      builder.field(nginxField(name, `\${${name}}`, column));
      i = close + 1;
      continue;
    }
    let end = dollar + 1;
    while (end < format.length && isNameChar(format.charCodeAt(end))) end++;
    if (end === dollar + 1) {
      throw new LogFormatError(`nginx log format: '$' at column ${column} is not followed by a variable name: ${format}`);
    }
    const name = format.slice(dollar + 1, end);
    builder.field(nginxField(name, `$${name}`, column));
    i = end;
  }
  return builder.build();
}
