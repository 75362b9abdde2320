/**
 * Undoing the escaping web servers apply when they write a value into a log line:
 * - Apache (ap_escape_logitem): `\"`, `\\`, `\n`, `\t`, `\r`, `\b`, `\v`, `\f` and `\xhh` for other control bytes;
 * - nginx `escape=default`: `\xHH` for `"`, `\`, control bytes and every byte above 0x7E, so a UTF-8
 *   user agent arrives as `\xE2\x80\x99` and is decoded back to `’` here;
 * - nginx `escape=json`: `\"`, `\\`, `\n`..., `\uXXXX`.
 * In both servers' default modes a backslash in a log line is always the start of an escape, so
 * decoding every backslash sequence is safe. An unknown escape is kept as written.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** `\xHH` at i → byte value, or -1. */
function hexByteAt(s: string, i: number, end: number): number {
  if (i + 3 >= end || s.charCodeAt(i) !== 92 || s.charCodeAt(i + 1) !== 120) return -1;
  const hi = hexValue(s.charCodeAt(i + 2));
  const lo = hexValue(s.charCodeAt(i + 3));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** Decodes [start, end) of `s`; callers only come here when the range holds a backslash. */
export function unescapeLogValue(s: string, start = 0, end = s.length): string {
  let out = '';
  let copyFrom = start;
  let i = s.indexOf('\\', start);
  while (i !== -1 && i < end - 1) {
    out += s.slice(copyFrom, i);
    const next = s.charCodeAt(i + 1);
    let consumed = 2;
    let text: string;
    switch (next) {
      case 34: // "
      case 92: // \
        text = s[i + 1] as string;
        break;
      case 110:
        text = '\n';
        break;
      case 116:
        text = '\t';
        break;
      case 114:
        text = '\r';
        break;
      case 98:
        text = '\b';
        break;
      case 118:
        text = '\v';
        break;
      case 102:
        text = '\f';
        break;
      case 120: {
        // A run of \xHH bytes is one UTF-8 sequence (or several); decode the run as a whole.
        const bytes: number[] = [];
        let j = i;
        for (let b = hexByteAt(s, j, end); b >= 0; b = hexByteAt(s, j, end)) {
          bytes.push(b);
          j += 4;
        }
        if (bytes.length === 0) {
          text = '\\x';
          break;
        }
        consumed = j - i;
        try {
          text = utf8.decode(Uint8Array.from(bytes));
        } catch {
          // Not UTF-8 (a TLS handshake sent to port 80, say): keep the escaped form, which is lossless and printable.
          text = s.slice(i, j);
        }
        break;
      }
      case 117: {
        // \uXXXX, as nginx escape=json writes control characters.
        const code = i + 5 < end ? Number.parseInt(s.slice(i + 2, i + 6), 16) : Number.NaN;
        if (Number.isNaN(code) || !/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
          text = '\\u';
        } else {
          text = String.fromCharCode(code);
          consumed = 6;
        }
        break;
      }
      default:
        text = s.slice(i, i + 2);
    }
    out += text;
    copyFrom = i + consumed;
    i = s.indexOf('\\', copyFrom);
  }
  return out + s.slice(copyFrom, end);
}
