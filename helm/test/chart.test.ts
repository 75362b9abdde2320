/**
 * The chart lints, renders, and every object it renders is valid against the Kubernetes API
 * schemas, with the defaults and with every optional part switched on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const chart = join(import.meta.dirname, '..', 'weir');

function tool(name: 'WEIR_HELM' | 'WEIR_KUBE_VALIDATE'): string {
  const path = process.env[name];
  assert.ok(path, `${name} is not set: run the tests with 'pnpm test', which installs the chart tools`);
  return path;
}

function render(values: string[]): string {
  return execFileSync(tool('WEIR_HELM'), ['template', 'weir', chart, ...values.flatMap((v) => ['--set', v])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function validate(manifests: string): string {
  return execFileSync(tool('WEIR_KUBE_VALIDATE'), ['-k', '1.30.0', '--strict', '--quiet', '-'], { input: manifests, encoding: 'utf8' });
}

function kinds(manifests: string): string[] {
  return [...manifests.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]!).sort();
}

test('helm lint --strict passes', () => {
  const out = execFileSync(tool('WEIR_HELM'), ['lint', '--strict', chart], { encoding: 'utf8' });
  assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('the default render has the four services and validates against Kubernetes 1.30', () => {
  const manifests = render([]);
  const deployments = [...manifests.matchAll(/^kind: Deployment\n(?:.*\n){0,2}\s+name: weir-(\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(deployments.sort(), ['ingest', 'score', 'sessionize', 'window']);
  assert.match(manifests, /KAFKA_BROKERS: "kafka:9092"/);
  validate(manifests);
});

test('by default score uses the model inside the image: no WEIR_MODEL_DIR, nothing mounted at /models', () => {
  const manifests = render([]);
  assert.doesNotMatch(manifests, /WEIR_MODEL_DIR/);
  assert.doesNotMatch(manifests, /mountPath: \/models/);
  const withVolume = render(['services.score.modelVolumeClaim=weir-models']);
  assert.match(withVolume, /- name: WEIR_MODEL_DIR\n\s+value: \/models\n/);
  assert.match(withVolume, /mountPath: \/models, readOnly: true/);
});

test('every optional part renders valid objects: ingress, SASL, TLS, model volume, no autoscaling', () => {
  const manifests = render([
    'services.ingest.ingress.enabled=true',
    'kafka.sasl.mechanism=scram-sha-512',
    'kafka.sasl.existingSecret=kafka-creds',
    'kafka.tlsSecret=kafka-tls',
    'services.score.modelVolumeClaim=weir-models',
    'services.ingest.autoscaling.enabled=false',
  ]);
  assert.deepEqual([...new Set(kinds(manifests))], ['ConfigMap', 'Deployment', 'Ingress', 'Job', 'PodDisruptionBudget', 'Service']);
  assert.match(manifests, /KAFKA_SASL_MECHANISM: "scram-sha-512"/);
  assert.match(manifests, /claimName: weir-models/);
  validate(manifests);
});

test('graceful termination: the grace period covers preStop plus WEIR_SHUTDOWN_TIMEOUT plus a margin', () => {
  const manifests = render(['shutdown.preStopSeconds=7', 'shutdown.timeoutSeconds=30', 'shutdown.marginSeconds=4']);
  const grace = [...manifests.matchAll(/terminationGracePeriodSeconds: (\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(grace, [41, 41, 41, 41]);
  assert.equal([...manifests.matchAll(/- name: WEIR_SHUTDOWN_TIMEOUT\n\s+value: "30s"/g)].length, 4);
  assert.equal([...manifests.matchAll(/preStop:\n\s+sleep: \{ seconds: 7 \}/g)].length, 4);
});

test('ingest serves its probes and metrics on WEIR_ADMIN_PORT; the chart refuses to render ingest without one', () => {
  const ingest = (m: string) => m.split('---').find((doc) => /kind: Deployment/.test(doc) && /name: weir-ingest$/m.test(doc))!;
  const split = ingest(render([]));
  assert.match(split, /- name: WEIR_ADMIN_PORT\n\s+value: "9090"/);
  assert.match(split, /- name: admin\n\s+containerPort: 9090/);
  assert.equal([...split.matchAll(/port: admin \}/g)].length, 3, 'startup, readiness and liveness probes');
  // Its /readyz is on the admin port only: probes on the API port would never pass.
  assert.throws(() => render(['services.ingest.adminPort=0']), /services.ingest.adminPort must be set/);
});

test('lag autoscaling: off by default; keda renders a Kafka ScaledObject per stage, hpa an External-metric HPA', () => {
  assert.doesNotMatch(render([]), /ScaledObject|weir_consumer_lag/);
  const keda = render(['lagAutoscaling.mode=keda', 'topicNamespace=acme', 'groupPrefix=prod', 'lagAutoscaling.stages.score.maxReplicas=12']);
  const scaled = keda.split('---').filter((doc) => /kind: ScaledObject/.test(doc));
  assert.deepEqual(scaled.map((doc) => /consumerGroup: "([^"]+)"/.exec(doc)?.[1]).sort(), ['prod-score', 'prod-sessionize', 'prod-window']);
  const score = scaled.find((doc) => /name: weir-score$/m.test(doc))!;
  assert.match(score, /type: kafka/);
  assert.match(score, /topic: "acme\.weir\.sessions"/);
  assert.match(score, /maxReplicaCount: 12/);
  assert.match(score, /lagThreshold: "2000"/);
  assert.match(score, /limitToPartitionsWithLag: "true"/);
  // Sessionize reads every weir.logs.* topic: no topic, and KEDA refuses limitToPartitionsWithLag
  // without one ("topic must be specified when using limitToPartitionsWithLag").
  const sessionize = scaled.find((doc) => /name: weir-sessionize$/m.test(doc))!;
  assert.doesNotMatch(sessionize, /^\s+(topic|limitToPartitionsWithLag):/m);
  assert.match(sessionize, /allowIdleConsumers: "false"/);
  // Before its first commit the group has no topics, and KEDA would count every topic as lag.
  assert.match(sessionize, /scaleToZeroOnInvalidOffset: "true"/);
  assert.doesNotMatch(score, /scaleToZeroOnInvalidOffset/);
  // The autoscaler owns the stages' replica counts; ingest keeps its CPU HPA.
  const stageReplicas = keda.split('---').filter((doc) => /kind: Deployment/.test(doc) && /replicas:/.test(doc));
  assert.deepEqual(stageReplicas, []);
  const hpa = render(['lagAutoscaling.mode=hpa']);
  assert.equal([...hpa.matchAll(/name: weir_consumer_lag/g)].length, 3);
  validate(hpa);
  assert.throws(() => render(['lagAutoscaling.mode=always']), /lagAutoscaling.mode must be/);
});

test('a pre-install/pre-upgrade hook Job runs weir topics apply with the topics config', () => {
  const manifests = render(['topics.defaults.partitions=12', 'topics.overrides.weir\\.scores.retentionMs=3600000', 'topicNamespace=acme']);
  const job = manifests.split('---').find((doc) => /kind: Job/.test(doc))!;
  assert.match(job, /helm.sh\/hook: pre-install,pre-upgrade/);
  assert.match(job, /helm.sh\/hook-delete-policy: before-hook-creation,hook-succeeded/);
  assert.match(job, /args: \["topics", "apply", "--config", "\/etc\/weir\/topics\/topics.json"\]/);
  assert.match(job, /name: WEIR_TOPIC_NAMESPACE, value: "acme"/);
  const config = manifests.split('---').find((doc) => /kind: ConfigMap/.test(doc) && /name: weir-topics/.test(doc))!;
  const json = JSON.parse(JSON.parse(/topics.json: (".*")/.exec(config)![1]!) as string) as { defaults: { partitions: number }; topics: Record<string, { retentionMs: number }> };
  assert.equal(json.defaults.partitions, 12);
  assert.equal(json.topics['weir.scores']!.retentionMs, 3_600_000);
  assert.doesNotMatch(render(['topics.enabled=false']), /kind: Job/);
});
