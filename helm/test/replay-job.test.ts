/**
 * The chart's replay Job: absent by default; with replay.enabled it renders a valid Job running
 * `weir replay` with the range, namespace, model and index prefix given, the stages' settings in
 * its environment, and refuses to render without the required values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
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

const ENABLED = ['replay.enabled=true', 'replay.from=2026-12-01T00:00:00Z', 'replay.to=2026-12-02T00:00:00Z', 'replay.namespace=backfill-1201'];

test('no replay Job by default', () => {
  assert.doesNotMatch(render([]), /name: weir-replay/);
});

test('replay.enabled renders a valid Job running weir replay with the stages\' settings', () => {
  const manifests = render([...ENABLED, 'replay.customers=acme\\,shop', 'replay.model=/models/v7', 'replay.modelVolumeClaim=weir-models', 'replay.esIndexPrefix=weir-scores-bf1201']);
  const job = manifests.split(/^---$/m).find((doc) => /^kind: Job$/m.test(doc) && /name: weir-replay/.test(doc));
  assert.ok(job, 'a Job');
  assert.match(job, /name: weir-replay-backfill-1201/);
  assert.doesNotMatch(job, /command:/, 'the image\'s entry point, no tsx');
  const args = [...job.matchAll(/^ {12}- "?([^"\n]*)"?$/gm)].map((m) => m[1]);
  assert.deepEqual(args.slice(0, 13), [
    'replay',
    '--from', '2026-12-01T00:00:00Z', '--to', '2026-12-02T00:00:00Z', '--namespace', 'backfill-1201',
    '--customers', 'acme,shop', '--model', '/models/v7', '--es-index-prefix', 'weir-scores-bf1201',
  ]);
  for (const setting of ['WEIR_SESSION_GAP', 'WEIR_WINDOW_SIZE', 'ELASTICSEARCH_URL', 'WEIR_MODEL_DIR']) assert.match(job, new RegExp(`name: ${setting}\\n`), `${setting} from the services' env`);
  assert.match(job, /claimName: weir-models/);
  assert.match(job, /restartPolicy: Never/);
  execFileSync(tool('WEIR_KUBE_VALIDATE'), ['-k', '1.30.0', '--strict', '--quiet', '-'], { input: manifests, encoding: 'utf8' });
});

test('replay.enabled without a range or namespace does not render', () => {
  for (const missing of ['replay.from', 'replay.to', 'replay.namespace']) {
    const values = ENABLED.filter((v) => !v.startsWith(`${missing}=`));
    const result = spawnSync(tool('WEIR_HELM'), ['template', 'weir', chart, ...values.flatMap((v) => ['--set', v])], { encoding: 'utf8' });
    assert.notEqual(result.status, 0, `${missing} missing`);
    assert.match(result.stderr, new RegExp(`${missing.replace('.', '\\.')} is required when replay.enabled`));
  }
});
