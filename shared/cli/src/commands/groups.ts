import { loadSessionizeConfig } from '@weir/sessionize';
import { createBusFromEnv } from '@weir/stream';
import { UsageError, type Command } from '../command.js';
import { parseFlags } from '../offline/args.js';
import { runOnline } from '../online/errors.js';
import { RESET_STAGES, executeReset, planReset, requireStopped, stageGroup, type ResetStage, type ResetTarget } from '../groups/reset.js';
import { parseTime } from '../replay/range.js';

const usage = `weir groups reset --stage S (--to-time TIME | --to-earliest | --to-latest) [--execute]

Rewinds a live stage's consumer group like kafka-streams-application-reset: its committed offsets
on its input topics go to the first record at or after TIME (Kafka timestamps; ISO 8601 with a
zone, or epoch ms), to the earliest or to the latest record, and its changelog topic (the stage's
checkpointed state) is deleted, so the restarted stage rebuilds its state from there. The group
and topics are named from the services' environment (WEIR_GROUP_PREFIX, WEIR_TOPIC_NAMESPACE,
WEIR_LOGS_TOPIC_PATTERN). Prints the plan; changes nothing unless --execute is given. Refuses
while the group has live members: stop the stage first.

  --stage S        sessionize, window or score
  --to-time TIME   reset to this time
  --to-earliest    reset to the start of the retained records
  --to-latest      skip everything not read yet
  --execute        do it (default: dry run)

Exit status: 0 done (or planned); 1 the group has live members, or Kafka failed; 2 wrong arguments.`;

export const command: Command = {
  summary: 'Rewind a stopped stage\'s consumer group to a time, the earliest or the latest record, its changelog state included.',
  usage,
  run: (argv) =>
    runOnline('groups', async () => {
      const { values, positionals } = parseFlags(argv, {
        stage: { type: 'string' },
        'to-time': { type: 'string' },
        'to-earliest': { type: 'boolean', default: false },
        'to-latest': { type: 'boolean', default: false },
        execute: { type: 'boolean', default: false },
      });
      if (positionals[0] !== 'reset' || positionals.length !== 1) throw new UsageError('the only subcommand is: weir groups reset');
      const stage = values.stage;
      if (!RESET_STAGES.includes(stage as ResetStage)) throw new UsageError(`--stage must be one of ${RESET_STAGES.join(', ')}`);
      const chosen = [values['to-time'] !== undefined, values['to-earliest'], values['to-latest']].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError('give exactly one of --to-time TIME, --to-earliest, --to-latest');
      let target: ResetTarget;
      if (values['to-time'] !== undefined) {
        const time = parseTime('to-time', values['to-time']);
        if (typeof time !== 'number') throw new UsageError(time.problem);
        target = { kind: 'time', time };
      } else target = values['to-earliest'] ? { kind: 'earliest' } : { kind: 'latest' };

      // The sessionize service's settings name the groups (<prefix>-<stage>), the namespace and the log topics.
      const settings = loadSessionizeConfig();
      const bus = await createBusFromEnv();
      try {
        const group = await stageGroup(bus, stage as ResetStage, {
          groupPrefix: settings.groupId.slice(0, -'-sessionize'.length),
          namespace: settings.namespace,
          logsPattern: settings.logsPattern,
        });
        await requireStopped(bus, group.groupId);
        const plan = await planReset(bus, group, target);
        const verb = values.execute ? '' : 'would ';
        for (const move of plan.moves) {
          console.error(`${plan.groupId} ${move.topic}[${move.partition}]: ${move.current ?? 'none'} → ${move.offset}`);
        }
        for (const topic of plan.deletes) console.error(`${plan.groupId}: ${verb}delete changelog ${topic}`);
        if (values.execute) await executeReset(bus, plan);
        else console.error(`dry run: nothing changed; add --execute to reset ${plan.groupId}`);
        console.log(JSON.stringify({ group: plan.groupId, partitions: plan.moves.length, moved: plan.moves.filter((m) => m.current !== m.offset).length, changelogsDeleted: values.execute ? plan.deletes : [], executed: values.execute }));
        return 0;
      } finally {
        await bus.close();
      }
    }),
};
