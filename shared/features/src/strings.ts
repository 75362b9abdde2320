/**
 * A copy of a string that no longer shares memory with the string it came from. Log parsers hand
 * out substrings of the line; state that outlives the line (an open session, a memo) would keep
 * the whole line alive through a substring. Short strings are copied by V8 anyway. The copy is
 * flat: a JSON round trip (lossless, lone surrogates included) makes a sequential string, where
 * slicing a concatenation would keep a 32-byte slice plus a parent one character longer.
 */
export function detach(text: string): string {
  return text.length > 12 ? (JSON.parse(JSON.stringify(text)) as string) : text;
}
