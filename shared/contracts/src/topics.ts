/** Topic names are contracts: other teams script against them. */
export const LOGS_TOPIC_PREFIX = 'weir.logs.';
export const LOGS_TOPIC_PATTERN = /^weir\.logs\..+$/;
export const SESSIONS_TOPIC = 'weir.sessions';
export const WINDOWS_TOPIC = 'weir.windows';
/** Each window instance's partial baselines (and progress), merged into `weir.windows`. */
export const WINDOW_PARTIALS_TOPIC = 'weir.window-partials';
export const SCORES_TOPIC = 'weir.scores';

/** Customer ids become topic name suffixes, so they are held to Kafka's topic alphabet. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

export function logsTopic(customer: string): string {
  if (!CUSTOMER_ID_PATTERN.test(customer)) {
    throw Object.assign(new Error(`invalid customer id "${customer}": use letters, digits, '_' or '-' (1-100)`), {
      code: 'WEIR_INVALID_CUSTOMER',
    });
  }
  return LOGS_TOPIC_PREFIX + customer;
}

export function customerOfLogsTopic(topic: string): string | null {
  return topic.startsWith(LOGS_TOPIC_PREFIX) ? topic.slice(LOGS_TOPIC_PREFIX.length) : null;
}
