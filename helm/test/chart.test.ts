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
  return execFileSync(tool('WEIR_HELM'), ['template', 'weir', chart, ...values.flatMap((v) => ['--set', v])], { encoding: 'utf8' });
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
  assert.deepEqual([...new Set(kinds(manifests))], ['ConfigMap', 'Deployment', 'Ingress', 'PodDisruptionBudget', 'Service']);
  assert.match(manifests, /KAFKA_SASL_MECHANISM: "scram-sha-512"/);
  assert.match(manifests, /claimName: weir-models/);
  validate(manifests);
});
