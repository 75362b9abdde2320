/**
 * The named formats. They are written as nginx format strings: nginx's built-in `combined`
 * is the same layout as Apache's, and nginx names read better in error messages.
 * Apache writes `-` for an empty body where nginx writes `0`; both read as 0 bytes.
 * The second field is identd's answer (Apache %l): nearly always `-`, but NCSA lines such as
 * `127.0.0.1 user-identifier frank [...]` exist, so it is a field (`remote_logname`, kept in
 * `extra` when not `-`) rather than the literal ` - ` nginx writes.
 */

/** Combined Log Format: NCSA common plus referrer and user agent. */
export const COMBINED_FORMAT =
  '$remote_addr $remote_logname $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/** Common Log Format (NCSA): no referrer, no user agent. */
export const COMMON_FORMAT = '$remote_addr $remote_logname $remote_user [$time_local] "$request" $status $body_bytes_sent';

/** Apache's `vhost_combined`: the virtual host and port in front of a combined line. */
export const VHOST_COMBINED_FORMAT = '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"';

export const NAMED_FORMATS: Readonly<Record<string, string>> = {
  combined: COMBINED_FORMAT,
  common: COMMON_FORMAT,
  vhost_combined: VHOST_COMBINED_FORMAT,
};
