/**
 * Splitting `GET /path?q=1 HTTP/1.1` into its parts. Scanners send anything: `-` (nginx/Apache
 * when no request line arrived), binary TLS handshakes on port 80, `GET /x` without a protocol
 * (HTTP/0.9 style), targets with raw spaces. Lines carrying those are kept (they are exactly what
 * bot detection wants to see) with the rule documented on `RequestParts.malformed`.
 */

export interface RequestParts {
  method: string;
  path: string;
  query: string | null;
  protocol: string | null;
  /**
   * True when the text is not `METHOD SP target [SP HTTP/x.y]` with METHOD an RFC 9110 token:
   * then method and path are both `-`, query and protocol null, and the caller keeps the raw
   * request text in `extra.request`.
   */
  malformed: boolean;
}

/** RFC 9110 tchar: ALPHA / DIGIT / one of !#$%&'*+-.^_`|~ */
const TCHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

function isToken(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** `HTTP/1.1`, `HTTP/2.0`, `HTTP/2`, `HTTP/3.0` from `start` to the end of `s`. */
function isHttpVersion(s: string, start: number): boolean {
  if (!s.startsWith('HTTP/', start)) return false;
  let i = start + 5;
  let digits = 0;
  let dot = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot && digits > 0) {
      dot = true;
      digits = 0;
    } else return false;
  }
  return digits > 0;
}

export function markMalformed(out: RequestParts): void {
  out.method = '-';
  out.path = '-';
  out.query = null;
  out.protocol = null;
  out.malformed = true;
}

/** Fills `out` (reused across lines to spare an allocation per line) from a decoded request line. */
export function splitRequestLine(request: string, out: RequestParts): void {
  const firstSpace = request.indexOf(' ');
  if (firstSpace <= 0 || !isToken(request, 0, firstSpace)) return markMalformed(out);
  const lastSpace = request.lastIndexOf(' ');
  let targetEnd = request.length;
  let protocol: string | null = null;
  if (lastSpace > firstSpace && isHttpVersion(request, lastSpace + 1)) {
    protocol = request.slice(lastSpace + 1);
    targetEnd = lastSpace;
  }
  // Everything between method and protocol is the target, raw spaces included: it is what was sent.
  if (targetEnd <= firstSpace + 1) return markMalformed(out);
  out.method = request.slice(0, firstSpace);
  out.protocol = protocol;
  out.malformed = false;
  splitTarget(request, firstSpace + 1, targetEnd, out);
}

/** `/a/b?x=1` → path `/a/b`, query `x=1`; no `?` → query null; a bare trailing `?` → query `''`. */
export function splitTarget(s: string, start: number, end: number, out: { path: string; query: string | null }): void {
  const q = s.indexOf('?', start);
  if (q === -1 || q >= end) {
    out.path = start === 0 && end === s.length ? s : s.slice(start, end);
    out.query = null;
  } else {
    out.path = s.slice(start, q);
    out.query = s.slice(q + 1, end);
  }
}
