/**
 * A URL as it may be logged: the values of query parameters that look like credentials (an API
 * key, a token, a password, a signature) replaced, so a key sent in a query string never reaches
 * the log. A parameter name that does not decode counts as a credential.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        return `${pair.slice(0, eq)}=[redacted]`;
      }
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}

/** Query parameter names that carry credentials, as APIs commonly name them. */
const SECRET_PARAM = /(key|token|secret|passw|pwd|auth|sig|credential|session|cookie)/i;
