/**
 * Label thresholds from the environment: `suspicious=0.5,bot=0.8` for every customer
 * (WEIR_THRESHOLDS) and `acme:suspicious=0.6,bot=0.9;shop:...` per customer
 * (WEIR_CUSTOMER_THRESHOLDS). Scores at or above `bot` are bots, at or above `suspicious` suspicious.
 */
import { CUSTOMER_ID_PATTERN } from '@weir/contracts';
import type { Thresholds } from '@weir/pipeline';

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export function parseThresholds(text: string): Parsed<Thresholds> {
  const values = new Map<string, number>();
  for (const pair of text.split(',')) {
    const [name = '', value = '', ...rest] = pair.split('=').map((s) => s.trim());
    const number = value === '' ? Number.NaN : Number(value);
    if ((name !== 'suspicious' && name !== 'bot') || rest.length > 0 || !(number >= 0 && number <= 1) || values.has(name)) {
      return { ok: false, problem: `"${pair.trim()}": expected suspicious=<0..1>,bot=<0..1>` };
    }
    values.set(name, number);
  }
  const suspicious = values.get('suspicious');
  const bot = values.get('bot');
  if (suspicious === undefined || bot === undefined) return { ok: false, problem: 'both suspicious= and bot= are needed' };
  if (suspicious > bot) return { ok: false, problem: `suspicious (${suspicious}) must not exceed bot (${bot})` };
  return { ok: true, value: { suspicious, bot } };
}

export function parseCustomerThresholds(text: string): Parsed<Record<string, Thresholds>> {
  const byCustomer: Record<string, Thresholds> = {};
  const problems: string[] = [];
  for (const entry of text.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const at = entry.indexOf(':');
    const customer = entry.slice(0, at).trim();
    if (at <= 0 || !CUSTOMER_ID_PATTERN.test(customer)) {
      problems.push(`"${entry}": expected customer:suspicious=...,bot=...`);
      continue;
    }
    const parsed = parseThresholds(entry.slice(at + 1));
    if (parsed.ok) byCustomer[customer] = parsed.value;
    else problems.push(`${customer}: ${parsed.problem}`);
  }
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, value: byCustomer };
}
