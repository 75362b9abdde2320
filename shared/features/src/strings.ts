/**
 * A copy of a string that no longer shares memory with the string it came from. Log parsers hand
 * out substrings of the line; state that outlives the line (an open session, a memo) would keep
 * the whole line alive through a substring. Short strings are copied by V8 anyway.
 */
export function detach(text: string): string {
  return text.length > 12 ? (' ' + text).slice(1) : text;
}
