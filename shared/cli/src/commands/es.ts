import { createEsClient, esSinkConfigFromEnv, readAliasOf } from '@weir/score';
import { UsageError, type Command } from '../command.js';
import { parseFlags } from '../offline/args.js';
import { OnlineError, runOnline } from '../online/errors.js';
import { promote } from '../es/promote.js';

const usage = `weir es promote --prefix P [--alias A]

Points the read alias (default: the live one, WEIR_ES_INDEX_PREFIX, weir-scores) at the backfilled
daily indices P-yyyy.MM.dd (written by weir replay --es-index-prefix P), atomically: one
_aliases request removes it from the indices of the days P covers and adds it to P's. Days P does
not cover keep their indices. Elasticsearch is reached through ELASTICSEARCH_URL (and its
ELASTICSEARCH_* credentials).

  --prefix P     the backfill's index prefix
  --alias A      the alias to move (default the live read alias)

Exit status: 0 done; 1 nothing to promote or Elasticsearch failed; 2 wrong arguments.`;

export const command: Command = {
  summary: 'Switch the scores read alias to backfilled indices (weir es promote --prefix P), atomically.',
  usage,
  run: (argv) =>
    runOnline('es', async () => {
      const { values, positionals } = parseFlags(argv, { prefix: { type: 'string' }, alias: { type: 'string' } });
      if (positionals[0] !== 'promote' || positionals.length !== 1) throw new UsageError('the only subcommand is: weir es promote');
      if (!values.prefix) throw new UsageError('--prefix is required');
      if (!process.env.ELASTICSEARCH_URL) throw new UsageError('ELASTICSEARCH_URL is not set');
      const config = esSinkConfigFromEnv();
      const alias = values.alias ?? readAliasOf(config.indexPrefix);
      if (values.prefix === alias) throw new OnlineError('WEIR_CLI_LIVE', `--prefix ${values.prefix} is the alias itself: give the backfill's prefix`);
      const client = createEsClient(config.connection);
      try {
        const actions = await promote(client, alias, values.prefix);
        for (const action of actions) console.error('add' in action ? `+ ${action.add.index} → ${alias}` : `- ${action.remove.index} ✕ ${alias}`);
        console.log(JSON.stringify({ alias, prefix: values.prefix, added: actions.filter((a) => 'add' in a).length, removed: actions.filter((a) => 'remove' in a).length }));
        return 0;
      } catch (err) {
        if (err instanceof OnlineError) throw err;
        throw new OnlineError('WEIR_CLI_ES', `Elasticsearch: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        await client.close();
      }
    }),
};
