/**
 * Promoting backfilled score indices: the read alias (what dashboards and the API search) moves,
 * day by day, from the indices that hold it to the backfill's `<prefix>-yyyy.MM.dd` indices, in
 * ONE `_aliases` request, which Elasticsearch applies atomically: a search sees either the old
 * day or the backfilled one, never both or neither. Days the backfill does not cover keep theirs.
 */
import type { createEsClient } from '@weir/score';
import { OnlineError } from '../online/errors.js';

type Client = ReturnType<typeof createEsClient>;

const DAY = /-(\d{4}\.\d{2}\.\d{2})$/;

export type AliasAction = { add: { index: string; alias: string } } | { remove: { index: string; alias: string } };

/** The actions that move `alias` to `backfill`'s daily indices, from `holding` (the indices that have it now). */
export function promotionActions(alias: string, backfill: readonly string[], holding: readonly string[]): AliasAction[] {
  const days = new Set(backfill.map((index) => DAY.exec(index)?.[1]).filter((d): d is string => d !== undefined));
  const removes = holding.filter((index) => !backfill.includes(index) && days.has(DAY.exec(index)?.[1] ?? ''));
  const adds = backfill.filter((index) => !holding.includes(index));
  return [...removes.map((index) => ({ remove: { index, alias } })), ...adds.map((index) => ({ add: { index, alias } }))];
}

export async function promote(client: Client, alias: string, prefix: string): Promise<AliasAction[]> {
  const backfill = Object.keys((await client.indices.get({ index: `${prefix}-2*`, allow_no_indices: true, expand_wildcards: 'open' })).body as Record<string, unknown>)
    .filter((index) => DAY.test(index) && index.slice(0, -11) === prefix)
    .sort();
  if (backfill.length === 0) throw new OnlineError('WEIR_CLI_ES', `no index ${prefix}-yyyy.MM.dd to promote`);
  const exists = (await client.indices.existsAlias({ name: alias })).body;
  const holding = exists ? Object.keys((await client.indices.getAlias({ name: alias })).body as Record<string, unknown>) : [];
  const actions = promotionActions(alias, backfill, holding);
  if (actions.length > 0) await client.indices.updateAliases({ body: { actions } });
  return actions;
}
