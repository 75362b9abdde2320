/**
 * `--session-key ip_ua|field:NAME` → what the parser and the sessionizer each need.
 *
 * The sessionizer's `field:NAME` keyer (shared/features session-key.ts) reads `sessionId`,
 * `clientIp`, `host`, `userAgent`, or `event.extra[NAME]`. A cookie such as `cookie_sid` is only
 * in `extra` when the format logs `$cookie_sid` itself; when it logs the whole Cookie header
 * (`$http_cookie`), the parser can still cut the cookie out, but only into `sessionId`
 * (`sessionIdField`). So any name that is not a top-level event field is handed to the parser as
 * `sessionIdField` and the sessionizer keys by `field:sessionId`: one route that works for both
 * layouts, and for JSON keys and request headers (`http_x_session_id`) alike. Either way, a request
 * without the field falls back to its `ip|ua` key (the sessionizer's rule), so cookie-less first
 * requests and bots that drop cookies are still sessionized.
 */
import type { SessionKeySpec } from '@weir/features';
import { UsageError } from '../command.js';

const TOP_LEVEL = new Set(['sessionId', 'clientIp', 'host', 'userAgent']);

export interface ResolvedSessionKey {
  /** As the user wrote it, for messages and metadata. */
  spec: SessionKeySpec;
  /** What the sessionizer keys by. */
  sessionizer: SessionKeySpec;
  /** The log field the parser puts into `sessionId`, when there is one. */
  sessionIdField: string | undefined;
}

export function resolveSessionKey(spec: string): ResolvedSessionKey {
  if (spec === 'ip_ua') return { spec, sessionizer: 'ip_ua', sessionIdField: undefined };
  const match = /^field:(.+)$/.exec(spec);
  if (!match) throw new UsageError(`--session-key must be ip_ua or field:NAME (e.g. field:cookie_sid), got '${spec}'`);
  const name = match[1] as string;
  if (TOP_LEVEL.has(name)) return { spec: `field:${name}`, sessionizer: `field:${name}`, sessionIdField: undefined };
  return { spec: `field:${name}`, sessionizer: 'field:sessionId', sessionIdField: name };
}
