/**
 * helm/weir on a real Kubernetes (`pnpm k8s:up`: control plane, kubelet, containerd, runc, the
 * image of `pnpm image`), against the real Kafka, registry and Elasticsearch:
 *   1. `helm install --wait`: every Deployment Ready, running as the securityContext says;
 *   2. simulated traffic for 3 customers posted through the ingest Service;
 *   3. mid-stream, sessionize scaled 1 → 3 and score 1 → 2, a sessionize pod deleted (it drains),
 *      an eviction the PodDisruptionBudget refuses, and a `helm upgrade` rolling every Deployment
 *      while traffic flows;
 *   4. every accepted line in a closed session, a final score for each in weir.scores and in
 *      Elasticsearch, equal to the offline `weir score` of the same logs (the uninterrupted run:
 *      a test proves the streaming stages give its scores), precision and recall asserted;
 *   5. `helm uninstall` leaves nothing behind.
 * Then lag autoscaling with an External-metric HPA (below).
 * Starts the cluster when it is not running, and stops it again at the end in that case.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { kafkaBus, produceEvents, simulatedEvents, tailTopic, waitFor, deleteTopics, type TopicTail } from '@weir/testing';
import { closedSessions, detectionQuality, esFinalScores, finalScores, newRun, type PipelineRun } from '@weir/testing';
import { scoreTopicsSerde } from '../../services/score/src/topics.js';

const root = join(import.meta.dirname, '..', '..');
const chart = join(root, 'helm', 'weir');
const NAMES = ['shop', 'news', 'bank'];
const TRAFFIC = { durationMs: 20 * 60_000, ratePerMinute: 3, seed: 'k8s-e2e' };
const CHUNK = 500;
const STAGES = ['ingest', 'sessionize', 'window', 'score'] as const;

type Bus = Awaited<ReturnType<typeof kafkaBus>>;
type Scores = ReturnType<typeof finalScores>;
type Score = Scores extends Map<string, infer S> ? S : never;
type Sessions = ReturnType<typeof closedSessions>;
type Session = Sessions extends Map<string, infer S> ? S : never;

const env: NodeJS.ProcessEnv = { ...process.env };
let startedCluster = false;
let bus: Bus | undefined;
const cleanups: Array<() => Promise<void> | void> = [];

function sh_(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): string {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', input: options.input, timeout: options.timeoutMs ?? 120_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
const sh = sh_;
const kubectl = (...args: string[]) => sh('kubectl', args);
const helm = (args: string[], timeoutMs = 360_000) => sh('helm', args, { timeoutMs });

/**
 * What k8s:up changes on the host and k8s:down must put back: the sysctls the kubelet and
 * kube-proxy set, iptables chains and rules, bridges, network namespaces, mounts.
 */
function hostState(): Record<string, string> {
  const run = (command: string) => spawnSync('sh', ['-c', command], { encoding: 'utf8' }).stdout;
  return {
    sysctls: run('sysctl vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward net.ipv4.conf.all.route_localnet 2>/dev/null'),
    // Rules and user-defined chains (the built-in chains' counters move on their own; an empty
    // table iptables-nft made stays listed, with nothing in it).
    iptables: run("iptables-save | grep -E '^-A |^:[^ ]+ - ' | sed 's/\\[[0-9]*:[0-9]*\\]//'"),
    bridges: run('ip -o link show type bridge | cut -d: -f2'),
    netns: run('ip netns list'),
    mounts: run('findmnt -rn -o TARGET | sort'),
  };
}
let hostBefore: Record<string, string> | undefined;

before(async () => {
  startedCluster = spawnSync('bash', ['scripts/k8s/cluster.sh', 'status'], { cwd: root, stdio: 'ignore' }).status !== 0;
  if (startedCluster) hostBefore = hostState();
  // k8s:up's own output, as a user evals it: KUBECONFIG, PATH with kubectl and helm, the values.
  const exports = execFileSync('bash', ['scripts/k8s/cluster.sh', 'up'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 60 * 60_000 });
  for (const line of exports.trim().split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    assert.ok(match, `k8s:up printed an export line: ${line}`);
    env[match[1]!] = match[1] === 'PATH' ? match[2]!.replace(/:\$PATH$/, `:${process.env.PATH}`) : match[2]!;
  }
  assert.ok(env.KUBECONFIG && env.WEIR_K8S_VALUES, `k8s:up exported KUBECONFIG and WEIR_K8S_VALUES:\n${exports}`);
  assert.match(sh('helm', ['version', '--short']), /^v3\./);
  bus = await kafkaBus();
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((err: unknown) => console.error('cleanup:', err));
  await bus?.close();
  if (startedCluster) {
    execFileSync('bash', ['scripts/k8s/cluster.sh', 'down'], { cwd: root, stdio: 'inherit' });
    // k8s:down put the host back as k8s:up found it.
    assert.deepEqual(hostState(), hostBefore);
  }
});

interface Deployment {
  metadata: { name: string; generation: number };
  spec: { replicas: number };
  status: { readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

function deployments(namespace: string): Deployment[] {
  return (JSON.parse(kubectl('-n', namespace, 'get', 'deployments', '-o', 'json')) as { items: Deployment[] }).items;
}

function podsOf(namespace: string, component: string): string[] {
  const out = kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`, '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}');
  return out.split(' ').filter(Boolean);
}

async function rolledOut(namespace: string, deployment: string): Promise<void> {
  sh('kubectl', ['-n', namespace, 'rollout', 'status', `deployment/${deployment}`, '--timeout=240s'], { timeoutMs: 250_000 });
}

/** helm upgrade in the background, for traffic to flow while it rolls. */
function helmUpgradeAsync(args: string[]): { done: Promise<void> } {
  const child: ChildProcess = spawn('helm', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return {
    done: new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`helm ${args.join(' ')} exited ${code}:\n${output}`))))),
  };
}

/** The offline `weir score` of the same logs: the final scores an uninterrupted run gives. */
function offlineScores(lines: Map<string, string[]>): Map<string, { score: number; label: string; requestCount: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-k8s-offline-'));
  try {
    for (const [customer, ours] of lines) writeFileSync(join(dir, `${customer}.log`), `${ours.join('\n')}\n`);
    const out = join(dir, 'scores.ndjson');
    sh(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', 'score', '--input', dir, '--out', out, '--quiet'], { timeoutMs: 300_000 });
    const scores = new Map<string, { score: number; label: string; requestCount: number }>();
    for (const line of readFileSync(out, 'utf8').trim().split('\n')) {
      const s = JSON.parse(line) as { customer: string; sessionKey: string; firstTime: number; score: number; label: string; requestCount: number };
      scores.set(`${s.customer}|${s.sessionKey}|${s.firstTime}`, s);
    }
    return scores;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('helm/weir on a real cluster: install, traffic, scaling, a pod deleted, an upgrade, uninstall', { timeout: 25 * 60_000 }, async () => {
  const started = Date.now();
  const step = (what: string) => console.log(`k8s e2e +${((Date.now() - started) / 1000).toFixed(0)}s: ${what}`);
  const run = newRun('k8s');
  const namespace = run;
  const release = 'weir';
  const customers = NAMES.map((n) => `${run}-${n}`);
  const keys = new Map(customers.map((c, i) => [c, `key-${run}-${i}`]));
  const indexPrefix = `weir-e2e-${run}`;
  const topics = [`${run}.weir.sessions`, `${run}.weir.windows`, `${run}.weir.scores`];

  kubectl('create', 'namespace', namespace);
  cleanups.push(() => void spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], { env }));
  cleanups.push(async () => {
    const existing = await bus!.admin.listTopics();
    await deleteTopics(bus!, existing.filter((t) => t.startsWith(`${run}.`) || t.startsWith(`${run}-`) || customers.some((c) => t === `weir.logs.${c}`)));
    await fetch(`${process.env.ELASTICSEARCH_URL}/${indexPrefix}-*`, { method: 'DELETE' }).catch(() => undefined);
  });
  kubectl('-n', namespace, 'create', 'secret', 'generic', 'weir-ingest-api-keys', `--from-literal=keys.json=${JSON.stringify(Object.fromEntries(keys))}`);
  // The log topics exist before sessionize starts: one assignment, no rebalance per new topic.
  await bus!.admin.createTopics(customers.map((c) => ({ topic: `weir.logs.${c}`, partitions: 6 })));

  // What this test changes from k8s:up's values: its own topics, groups and index; requests small
  // enough for 7 pods on a 2-core node; the window lateness of the other end-to-end tests
  // (final summaries independent of the order partitions interleave); no idle close until all
  // traffic is in (an idle close mid-stream would split sessions).
  const values = join(mkdtempSync(join(tmpdir(), 'weir-k8s-values-')), 'test.yaml');
  const small = { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '768Mi' } };
  writeFileSync(
    values,
    JSON.stringify({
      topicNamespace: run,
      groupPrefix: run,
      extraEnv: [
        { name: 'KAFKA_TOPIC_WATCH_INTERVAL', value: '1s' },
        { name: 'KAFKA_SESSION_TIMEOUT', value: '6s' },
      ],
      shutdown: { preStopSeconds: 2, timeoutSeconds: 20, marginSeconds: 5 },
      services: {
        ingest: { replicas: 1, autoscaling: { enabled: false }, resources: small },
        sessionize: { replicas: 1, resources: small, env: { WEIR_LOGS_TOPIC_PATTERN: `^weir\\.logs\\.${run}-.+$`, WEIR_CLOSE_IDLE_AFTER: '0s' } },
        window: { replicas: 1, resources: small, env: { WEIR_WINDOW_LATENESS: '30m', WEIR_CLOSE_IDLE_AFTER: '0s' } },
        score: { replicas: 1, resources: small, env: { WEIR_ES_INDEX_PREFIX: indexPrefix, WEIR_ES_REPLICAS: '0', WEIR_ES_FLUSH_INTERVAL: '200ms' } },
      },
    }),
  );

  // 1. Install; every Deployment Ready.
  step('helm install --wait');
  helm(['install', release, chart, '-n', namespace, '-f', env.WEIR_K8S_VALUES!, '-f', values, '--wait', '--timeout', '5m']);
  for (const d of deployments(namespace)) assert.equal(d.status.readyReplicas, d.spec.replicas, `${d.metadata.name} is Ready`);
  assert.deepEqual(deployments(namespace).map((d) => d.metadata.name).sort(), STAGES.map((s) => `${release}-${s}`).sort());

  // The securityContext holds: not root, and the root filesystem is read-only.
  const [scorePod] = podsOf(namespace, 'score');
  const probe = kubectl('-n', namespace, 'exec', scorePod!, '--', 'node', '-e', "let w; try { require('fs').writeFileSync('/app/x', ''); w = 'writable' } catch (e) { w = e.code } console.log(process.getuid(), w)");
  assert.equal(probe.trim(), '10001 EROFS');

  // 2. Traffic through the ingest Service (its ClusterIP, as kube-proxy routes it).
  const ip = kubectl('-n', namespace, 'get', 'service', `${release}-ingest`, '-o', 'jsonpath={.spec.clusterIP}');
  const sessions: TopicTail<Session> = await tailTopic(bus!, topics[0]!, scoreTopicsSerde<Session>(run));
  const scores: TopicTail<Score> = await tailTopic(bus!, topics[2]!, scoreTopicsSerde<Score>(run));
  cleanups.push(async () => {
    await sessions.stop();
    await scores.stop();
  });
  const { lines, sessions: truth } = simulatedEvents(customers, TRAFFIC);
  const total = [...lines.values()].reduce((n, l) => n + l.length, 0);
  let accepted = 0;
  const longest = Math.max(...[...lines.values()].map((l) => l.length));
  const post = async (from: number, to: number) => {
    for (let start = from; start < Math.min(longest, to); start += CHUNK) {
      for (const [customer, ours] of lines) {
        const part = ours.slice(start, Math.min(start + CHUNK, to));
        if (part.length === 0) continue;
        const response = await fetch(`http://${ip}:80/v1/logs?format=combined`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', authorization: `Bearer ${keys.get(customer)}` },
          body: part.join('\n'),
        });
        const report = (await response.json()) as { accepted: number; rejectedCount: number };
        assert.equal(response.status, 200, JSON.stringify(report));
        assert.equal(report.rejectedCount, 0, JSON.stringify(report));
        accepted += report.accepted;
      }
    }
  };
  const third = Math.ceil(longest / 3 / CHUNK) * CHUNK;
  step(`posting ${total} lines for ${customers.length} customers to ${ip}`);
  await post(0, third);
  await waitFor('session records mid-stream', () => sessions.records.length >= 50, 120_000);

  // 3. Scale mid-stream.
  step('kubectl scale sessionize 1 → 3, score 1 → 2');
  kubectl('-n', namespace, 'scale', `deployment/${release}-sessionize`, '--replicas=3');
  kubectl('-n', namespace, 'scale', `deployment/${release}-score`, '--replicas=2');
  await rolledOut(namespace, `${release}-sessionize`);
  await rolledOut(namespace, `${release}-score`);
  assert.equal(podsOf(namespace, 'sessionize').length, 3);
  assert.equal(podsOf(namespace, 'score').length, 2);
  await post(third, 2 * third);

  // The PodDisruptionBudget keeps the single window pod from a voluntary eviction.
  const [windowPod] = podsOf(namespace, 'window');
  const eviction = spawnSync('kubectl', ['create', '--raw', `/api/v1/namespaces/${namespace}/pods/${windowPod}/eviction`, '-f', '-'], {
    env,
    encoding: 'utf8',
    input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: windowPod, namespace } }),
  });
  assert.notEqual(eviction.status, 0, 'the eviction is refused');
  assert.match(eviction.stderr, /disruption budget/i);

  // A sessionize pod deleted mid-stream drains: preStop, SIGTERM, its stage stops cleanly.
  const [victim] = podsOf(namespace, 'sessionize');
  step(`kubectl delete pod ${victim}`);
  const logs = spawn('kubectl', ['-n', namespace, 'logs', '-f', victim!], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  let victimLog = '';
  logs.stdout.on('data', (c: Buffer) => (victimLog += c.toString()));
  const logsEnded = new Promise((resolve) => logs.on('exit', resolve));
  kubectl('-n', namespace, 'delete', 'pod', victim!, '--wait=true');
  await logsEnded;
  assert.match(victimLog, /"msg":"stopping"/, 'the deleted pod got SIGTERM');
  assert.match(victimLog, /"msg":"stage stopped"/, 'its stage stopped cleanly (batch done, offsets committed)');
  await rolledOut(namespace, `${release}-sessionize`);

  // 4. helm upgrade with a changed setting (the preStop pause, in every pod template) rolls every
  // Deployment while the last third of the traffic flows; the scaled replica counts are kept.
  step('helm upgrade (preStop 2s → 3s) while posting the last third');
  const before = new Map(deployments(namespace).map((d) => [d.metadata.name, d.metadata.generation]));
  const scaled = ['--set', 'services.sessionize.replicas=3', '--set', 'services.score.replicas=2'];
  const upgrade = helmUpgradeAsync(['upgrade', release, chart, '-n', namespace, '--reuse-values', '--set', 'shutdown.preStopSeconds=3', ...scaled, '--wait', '--timeout', '6m']);
  await post(2 * third, Infinity);
  await upgrade.done;
  // helm's --wait is satisfied once the new pods are Ready; the old ReplicaSet's last pod may
  // still be there (and Ready) a moment longer: the rollout is done when it is gone.
  for (const stage of STAGES) await rolledOut(namespace, `${release}-${stage}`);
  for (const d of deployments(namespace)) {
    assert.ok(d.metadata.generation > before.get(d.metadata.name)!, `${d.metadata.name} rolled`);
    assert.equal(d.status.updatedReplicas, d.spec.replicas, `${d.metadata.name}: every pod of the new revision`);
    assert.equal(d.status.readyReplicas, d.spec.replicas, `${d.metadata.name} Ready`);
  }
  assert.equal(accepted, total, 'ingest accepted every line');

  // All traffic is in: now idle partitions may close their sessions and windows.
  step('helm upgrade: idle closes on, to finish the stream');
  helm(['upgrade', release, chart, '-n', namespace, '--reuse-values', ...scaled,
    '--set', 'services.sessionize.env.WEIR_CLOSE_IDLE_AFTER=5s', '--set', 'services.window.env.WEIR_CLOSE_IDLE_AFTER=15s', '--wait', '--timeout', '6m']);

  const pipeline = { run, customers, indexPrefix, sessions, scores } as unknown as PipelineRun;
  const counted = () => [...closedSessions(pipeline).values()].reduce((n, s) => n + s.requestCount, 0);
  const unscored = () => [...closedSessions(pipeline).keys()].filter((id) => !finalScores(pipeline).has(id));
  // After the rollouts, every stage's group reaches the end of every input partition (a partition
  // left behind fails here, named, with what each pod handles).
  await everyPartitionConsumed(namespace, [
    { component: 'sessionize', group: `${run}-sessionize`, topics: customers.map((c) => `weir.logs.${c}`) },
    { component: 'window', group: `${run}-window`, topics: [topics[0]!] },
    { component: 'score', group: `${run}-score`, topics: [topics[0]!] },
  ], 300_000);
  try {
    await waitFor(`${accepted} lines in closed sessions`, () => counted() >= accepted, 300_000);
    await waitFor('a final score for every closed session', () => unscored().length === 0, 300_000);
  } catch (err) {
    // What each pod last said tells a stuck stage from a slow one.
    const logs = kubectl('-n', namespace, 'get', 'pods', '-o', 'name').trim().split('\n').map((pod) => `--- ${pod}\n${kubectl('-n', namespace, 'logs', pod, '--tail=8')}`);
    throw new Error(
      `${(err as Error).message}: ${counted()} of ${accepted} lines in ${closedSessions(pipeline).size} closed sessions ` +
        `(${sessions.records.length} session records), ${unscored().length} unscored, ${scores.records.length} score records\n${logs.join('\n')}`,
    );
  }
  assert.equal(counted(), accepted, 'every accepted line counted in exactly one closed session');
  const final = finalScores(pipeline);

  // The same scores as the uninterrupted run: none lost, none extra, none with two values.
  assertSameAsOffline(run, scores.records, lines);

  const documents = await waitFor('every final score in Elasticsearch', async () => {
    const found = await esFinalScores(pipeline, process.env.ELASTICSEARCH_URL!);
    return [...final.keys()].every((id) => found.get(id)?.score === final.get(id)!.score) ? found : undefined;
  }, 120_000);
  const { precision, recall, bots, flagged } = detectionQuality(final.values(), truth);
  step(`${accepted} lines → ${final.size} final scores (Kafka), ${documents.size} (Elasticsearch); ${flagged} flagged of ${bots} bots: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
  assert.ok(precision >= 0.9, `precision ${precision}`);
  assert.ok(recall >= 0.8, `recall ${recall}`);

  // 5. Uninstall: nothing of the release is left.
  step('helm uninstall');
  helm(['uninstall', release, '-n', namespace, '--wait', '--timeout', '3m']);
  await waitFor('no pods left', () => kubectl('-n', namespace, 'get', 'pods', '-o', 'name').trim() === '', 120_000);
  const left = kubectl('-n', namespace, 'get', 'deployments,replicasets,services,configmaps,secrets,poddisruptionbudgets,horizontalpodautoscalers,jobs', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name');
  assert.equal(left.trim(), '', `left behind: ${left}`);
  assert.equal(kubectl('-n', namespace, 'get', 'secrets', '-l', 'owner=helm', '-o', 'name').trim(), '', 'no release records');
  step('done');
});

/**
 * Lag autoscaling, both ways the chart offers (`lagAutoscaling.mode`):
 *   - hpa: the chart's HPAs read `weir_consumer_lag` from external.metrics.k8s.io, which this test
 *     serves (an APIService pointing at a small HTTPS server computing each group's lag from
 *     Kafka: end offsets minus the group's committed offsets);
 *   - keda: KEDA itself (`pnpm k8s:keda`: built from the Go module proxy, its operator and
 *     metrics API server as host processes), reading the lag from the brokers with its Kafka scaler.
 * 20 minutes of busy traffic arrive in a burst on one sessionize replica with a small CPU limit:
 * lag rises → replicas rise, up to the partition count → lag drains → replicas fall back to one. Then
 * the idle closes are switched on (a rollout of sessionize and window) to finish the stream, every
 * partition of every stage's input is consumed to its end, and the final scores are exactly those
 * of the offline pipeline on the same traffic: none lost, none extra, none with two values.
 */
const NODE_IP = '10.244.255.1';
const METRICS_PORT = 6444;
const PARTITIONS = 6;
const LAG_THRESHOLD = 2000;
const busOrFail = (): Bus => {
  assert.ok(bus, 'connected in before()');
  return bus;
};

interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Per input partition, how far a group is behind: end offset minus its committed offset (nothing committed: all of it). */
async function partitionLags(group: string, topics: string[]): Promise<PartitionLag[]> {
  const { admin } = busOrFail();
  const lags: PartitionLag[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
    const committed = new Map((await admin.fetchCommittedOffsets(group, [topic]).catch(() => [])).map((c) => [c.partition, c.offset]));
    for (const end of ends) lags.push({ topic, partition: end.partition, lag: Math.max(0, end.high - (committed.get(end.partition) ?? end.low)) });
  }
  return lags;
}

const totalLag = (lags: PartitionLag[]) => lags.reduce((n, p) => n + p.lag, 0);

/** The input partitions each running pod of a stage reports on /metrics (its lag gauge: set once it has handled a batch there). */
async function reportedPartitions(namespace: string, component: string): Promise<string[]> {
  const pods = JSON.parse(kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`, '-o', 'json')) as {
    items: Array<{ metadata: { name: string }; status: { podIP?: string; phase: string } }>;
  };
  return Promise.all(
    pods.items.map(async (pod) => {
      if (!pod.status.podIP) return `${pod.metadata.name} (${pod.status.phase}, no address)`;
      const text = await fetch(`http://${pod.status.podIP}:9090/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text(), (err: unknown) => String(err));
      const owned = [...text.matchAll(/^weir_stage_consumer_lag\{[^}]*topic="([^"]+)",partition="(\d+)"[^}]*\} (\S+)$/gm)].map((m) => `${m[1]}:${m[2]}=${m[3]}`);
      return `${pod.metadata.name} (${pod.status.phase}): ${owned.join(' ') || 'no partition handled yet'}`;
    }),
  );
}

/**
 * Every partition of every stage's input consumed to its end by the stage's group. Once seen on
 * this cluster: after a rollout one partition was left behind while the rest drained. This names
 * such a partition, its lag and which pods report handling what, instead of a timeout counting
 * closed sessions.
 */
async function everyPartitionConsumed(namespace: string, stages: Array<{ component: string; group: string; topics: string[] }>, timeoutMs: number): Promise<void> {
  const behind = async () => {
    const left: string[] = [];
    for (const stage of stages) {
      for (const p of await partitionLags(stage.group, stage.topics)) if (p.lag > 0) left.push(`${stage.component} ${p.topic}:${p.partition} lag ${p.lag}`);
    }
    return left;
  };
  try {
    await waitFor('every input partition consumed to its end', async () => (await behind()).length === 0, timeoutMs);
  } catch (err) {
    const left = await behind();
    const pods = await Promise.all(stages.map(async (s) => (await reportedPartitions(namespace, s.component)).map((line) => `${s.component} ${line}`).join('\n')));
    throw new Error(`${(err as Error).message}: partitions left behind:\n${left.join('\n')}\nwhat each pod handles:\n${pods.join('\n')}`);
  }
}

/** The offline `weir score` of the same lines, keyed without the run's prefix. */
function assertSameAsOffline(run: string, scores: Score[], lines: Map<string, string[]>): Map<string, Score> {
  const strip = (s: { customer: string; sessionKey: string; firstTime: number }) => `${s.customer.slice(run.length + 1)}|${s.sessionKey}|${s.firstTime}`;
  const finals = scores.filter((s) => s.closed && !s.shadow);
  // At-least-once may write a final score twice; never two different ones for a session.
  const byKey = new Map<string, Score>();
  for (const s of finals) {
    const key = strip(s);
    const seen = byKey.get(key);
    if (seen) assert.deepEqual([s.requestCount, s.score, s.label, s.lastTime], [seen.requestCount, seen.score, seen.label, seen.lastTime], `${key}: one final score`);
    byKey.set(key, s);
  }
  const expected = new Map([...offlineScores(lines)].map(([k, v]) => [k.slice(run.length + 1), v]));
  assert.deepEqual([...byKey.keys()].sort(), [...expected.keys()].sort(), 'the same sessions as the uninterrupted run: none lost, none extra');
  for (const [key, score] of byKey) {
    const want = expected.get(key)!;
    assert.equal(score.requestCount, want.requestCount, `${key}: request count`);
    assert.ok(Math.abs(score.score - want.score) < 1e-9, `${key}: score ${score.score} = ${want.score}`);
    assert.equal(score.label, want.label, `${key}: label`);
  }
  return byKey;
}

/** Serves `weir_consumer_lag` on external.metrics.k8s.io for the hpa mode; returns how to take it down. */
async function serveLagMetric(namespace: string, defaultTopics: string[]): Promise<() => void> {
  const pki = dirname(env.KUBECONFIG!);
  const server = createServer({ cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const gv = 'external.metrics.k8s.io/v1beta1';
    if (url.pathname.replace(/\/$/, '') === `/apis/${gv}`) {
      return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: [{ name: 'weir_consumer_lag', singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }] });
    }
    const match = new RegExp(`^/apis/${gv}/namespaces/[^/]+/weir_consumer_lag$`).exec(url.pathname);
    if (!match) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 });
    const labels = new Map((url.searchParams.get('labelSelector') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    const topic = labels.get('topic');
    partitionLags(labels.get('group') ?? '', topic ? [topic] : defaultTopics).then(
      (lags) => send(200, { kind: 'ExternalMetricValueList', apiVersion: gv, metadata: {}, items: [{ metricName: 'weir_consumer_lag', metricLabels: Object.fromEntries(labels), timestamp: new Date().toISOString(), value: String(totalLag(lags)) }] }),
      (err: unknown) => send(500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: String(err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(METRICS_PORT, NODE_IP, resolve));
  sh('kubectl', ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'weir-test-metrics', namespace }, spec: { ports: [{ port: 443, targetPort: METRICS_PORT }] } },
        { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'weir-test-metrics', namespace }, subsets: [{ addresses: [{ ip: NODE_IP }], ports: [{ port: METRICS_PORT }] }] },
        { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.external.metrics.k8s.io' },
          spec: { service: { name: 'weir-test-metrics', namespace, port: 443 }, group: 'external.metrics.k8s.io', version: 'v1beta1', insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 } },
      ],
    }),
  });
  return () => {
    // Ours replaced KEDA's if it ran: pnpm k8s:keda puts KEDA's back.
    spawnSync('kubectl', ['delete', 'apiservice', 'v1beta1.external.metrics.k8s.io'], { env });
    server.close();
  };
}

async function lagAutoscaling(mode: 'hpa' | 'keda'): Promise<void> {
  const run = newRun(mode);
  const namespace = run;
  const customers = ['shop', 'news', 'bank'].map((n) => `${run}-${n}`);
  const logTopics = customers.map((c) => `weir.logs.${c}`);
  const indexPrefix = `weir-e2e-${run}`;
  const bus = busOrFail();
  cleanups.push(async () => {
    const ours = (await bus.admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`${run}-`) || logTopics.includes(t));
    await deleteTopics(bus, ours);
    await fetch(`${process.env.ELASTICSEARCH_URL}/${indexPrefix}-*`, { method: 'DELETE' }).catch(() => undefined);
  });
  kubectl('create', 'namespace', namespace);
  cleanups.push(() => void spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], { env }));
  const stopMetric = mode === 'hpa' ? await serveLagMetric(namespace, logTopics) : undefined;
  try {
    // The log topics exist, empty, when sessionize starts; 20 minutes of busy traffic arrive in a
    // burst once it runs, on one replica.
    const { events, lines } = simulatedEvents(customers, { durationMs: 20 * 60_000, ratePerMinute: 5, seed: 'lag-autoscaling' });
    await bus.admin.createTopics(logTopics.map((topic) => ({ topic, partitions: PARTITIONS })));
    const sessions: TopicTail<Session> = await tailTopic(bus, `${run}.weir.sessions`, scoreTopicsSerde<Session>(run));
    const scores: TopicTail<Score> = await tailTopic(bus, `${run}.weir.scores`, scoreTopicsSerde<Score>(run));
    cleanups.push(async () => {
      await sessions.stop();
      await scores.stop();
    });

    const group = `${run}-sessionize`;
    // Idle closes off while the backlog drains (a stall in a rebalance must not close a session
    // or window early); the window lateness spans the whole traffic, so each window's summary is
    // independent of how partitions interleave: the final scores can equal the offline ones.
    // (Not much more: a lateness of 90 minutes over an hour of traffic made a window state record
    // larger than the broker's 1 MB limit, and the window stage retried it forever.)
    const values = JSON.stringify({
      topicNamespace: run,
      groupPrefix: run,
      extraEnv: [{ name: 'KAFKA_TOPIC_WATCH_INTERVAL', value: '1s' }, { name: 'KAFKA_SESSION_TIMEOUT', value: '6s' }],
      shutdown: { preStopSeconds: 2, timeoutSeconds: 20, marginSeconds: 5 },
      lagAutoscaling: {
        mode,
        pollingIntervalSeconds: 5,
        cooldownSeconds: 10,
        scaleDownStabilizationSeconds: 10,
        stages: {
          sessionize: { minReplicas: 1, maxReplicas: PARTITIONS, lagThreshold: LAG_THRESHOLD },
          window: { minReplicas: 1, maxReplicas: 1, lagThreshold: 100000 },
          score: { minReplicas: 1, maxReplicas: 1, lagThreshold: 100000 },
        },
      },
      services: {
        ingest: { enabled: false },
        // A small CPU share per pod: one replica drains the backlog slowly, more drain it faster.
        sessionize: { resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '150m', memory: '768Mi' } }, env: { WEIR_LOGS_TOPIC_PATTERN: `^weir\\.logs\\.${run}-.+$`, WEIR_CLOSE_IDLE_AFTER: '0s' } },
        window: { resources: { requests: { cpu: '50m', memory: '96Mi' } }, env: { WEIR_WINDOW_LATENESS: '30m', WEIR_CLOSE_IDLE_AFTER: '0s' } },
        score: { resources: { requests: { cpu: '50m', memory: '96Mi' } }, env: { WEIR_ES_INDEX_PREFIX: indexPrefix, WEIR_ES_REPLICAS: '0', WEIR_ES_FLUSH_INTERVAL: '200ms' } },
      },
    });
    sh('helm', ['install', 'weir', chart, '-n', namespace, '-f', env.WEIR_K8S_VALUES!, '-f', '-', '--wait', '--timeout', '5m'], { input: values, timeoutMs: 360_000 });
    if (mode === 'keda') {
      // KEDA made an HPA of its own for each ScaledObject, on its external metric.
      type Hpa = { metadata: { name: string }; spec: { maxReplicas: number; metrics: Array<{ external?: { metric: { name: string } } }> } };
      const ours = await waitFor('KEDA to create the sessionize HPA', () => {
        const hpas = JSON.parse(kubectl('-n', namespace, 'get', 'hpa', '-o', 'json')) as { items: Hpa[] };
        return hpas.items.find((h) => h.metadata.name === 'keda-hpa-weir-sessionize');
      }, 60_000);
      assert.equal(ours.spec.maxReplicas, PARTITIONS);
      assert.match(ours.spec.metrics[0]?.external?.metric.name ?? '', /kafka/);
    }

    // Replicas against lag, every 3 s, from before the burst until it has drained and the
    // replicas are back to one.
    const started = Date.now();
    const timeline: string[] = [];
    const samples: Array<{ lag: number; replicas: number }> = [];
    let producing = true;
    const sample = async () => {
      const at = `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;
      try {
        const lag = totalLag(await partitionLags(group, logTopics));
        const deployment = JSON.parse(kubectl('-n', namespace, 'get', 'deployment', 'weir-sessionize', '-o', 'json')) as { spec: { replicas: number }; status: { readyReplicas?: number } };
        samples.push({ lag, replicas: deployment.spec.replicas });
        timeline.push(`${at} lag ${String(lag).padStart(6)} replicas ${deployment.spec.replicas} (ready ${deployment.status.readyReplicas ?? 0})${producing ? ' producing' : ''}`);
      } catch (err) {
        // A busy apiserver or broker missing one sample is no reason to stop watching.
        timeline.push(`${at} no sample: ${(err as Error).message.split('\n')[0]}`);
      }
    };
    await sample();
    const sampler = (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 3000));
        await sample();
        const peak = Math.max(...samples.map((x) => x.replicas));
        const last = samples[samples.length - 1]!;
        const drainedAt = samples.findIndex((x, i) => i > 0 && x.lag === 0 && samples.slice(0, i).some((y) => y.replicas > 1));
        if ((!producing && drainedAt >= 0 && last.replicas === 1 && peak > 1) || Date.now() - started > 12 * 60_000) return;
      }
    })();
    await produceEvents(bus, events, PARTITIONS);
    producing = false;
    await sampler;
    console.log(`lag autoscaling of sessionize, ${mode} (threshold ${LAG_THRESHOLD} per replica, ${PARTITIONS} partitions per log topic, ${events.length} events):\n${timeline.join('\n')}`);
    const peak = Math.max(...samples.map((x) => x.replicas));
    const rose = samples.findIndex((x) => x.replicas > 1);
    const drained = samples.findIndex((x, i) => rose >= 0 && i > rose && x.lag === 0);
    const backDown = samples.findIndex((x, i) => drained >= 0 && i >= drained && x.replicas === 1);
    assert.equal(samples[0]!.replicas, 1, 'one replica before the burst');
    assert.ok(Math.max(...samples.map((x) => x.lag)) > LAG_THRESHOLD, 'the lag rose past the threshold');
    assert.ok(rose > 0, 'replicas added while lag was high');
    assert.ok(peak <= PARTITIONS, `never more replicas than partitions: ${peak}`);
    assert.ok(drained > rose, 'the lag drained');
    assert.ok(backDown >= drained, 'back to one replica');

    // All traffic is in: the idle closes finish the stream (a rollout of sessionize and window).
    sh('helm', ['upgrade', 'weir', chart, '-n', namespace, '--reuse-values',
      '--set', 'services.sessionize.env.WEIR_CLOSE_IDLE_AFTER=5s', '--set', 'services.window.env.WEIR_CLOSE_IDLE_AFTER=15s', '--wait', '--timeout', '5m'], { timeoutMs: 360_000 });
    const pipeline = { sessions, scores } as unknown as PipelineRun;
    const counted = () => [...closedSessions(pipeline).values()].reduce((n, s) => n + s.requestCount, 0);
    const unscored = () => [...closedSessions(pipeline).keys()].filter((id) => !finalScores(pipeline).has(id));
    await everyPartitionConsumed(namespace, [
      { component: 'sessionize', group, topics: logTopics },
      { component: 'window', group: `${run}-window`, topics: [`${run}.weir.sessions`] },
      { component: 'score', group: `${run}-score`, topics: [`${run}.weir.sessions`] },
    ], 300_000);
    await waitFor(`${events.length} events in closed sessions`, () => counted() >= events.length, 300_000);
    assert.equal(counted(), events.length, 'every event in exactly one closed session');
    await waitFor('a final score for every closed session', () => unscored().length === 0, 300_000);
    const finals = assertSameAsOffline(run, scores.records, lines);
    console.log(`${mode}: ${events.length} events → ${finals.size} final scores, equal to the offline pipeline's`);
    sh('helm', ['uninstall', 'weir', '-n', namespace, '--wait'], { timeoutMs: 200_000 });
  } finally {
    stopMetric?.();
  }
}

test('an External-metric HPA scales sessionize on its lag: up to the partition count, back down when it drains', { timeout: 25 * 60_000 }, async () => {
  await lagAutoscaling('hpa');
});

test('a KEDA ScaledObject (Kafka scaler) scales sessionize on its lag: up to the partition count, back down when it drains', { timeout: 35 * 60_000 }, async () => {
  // KEDA's operator and metrics server (built once from the Go module proxy and cached).
  sh('bash', ['scripts/k8s/cluster.sh', 'keda'], { timeoutMs: 30 * 60_000 });
  await lagAutoscaling('keda');
});
