/**
 * The project's Python environment for cross-checks with Confluent's own client: `<repo>/.venv`
 * with confluent-kafka and the dependencies of its Avro and schema-registry modules, and
 * scikit-learn, the reference learners `pnpm bench detection` compares weir's training with.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { infraError } from './errors.js';
import { exec } from './exec.js';
import { step, type Log } from './progress.js';

// The [avro] extra brings fastavro, avro, requests, attrs, cachetools, authlib and an HTTP client:
// what confluent_kafka.schema_registry imports at this version.
const REQUIREMENTS = ['confluent-kafka[avro]==2.16.1', 'scikit-learn==1.9.1'];
const IMPORT_CHECK = 'from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer; import sklearn.ensemble';

/**
 * Importing scikit-learn is CPU-bound: on a saturated machine it took over a minute, and a check
 * killed at 60 s made a working venv look broken (reinstalled, then "still cannot run"). The bound
 * is for a hung interpreter only.
 */
const IMPORT_CHECK_BOUND_MS = 15 * 60_000;

function importsWork(python: string): boolean {
  if (!existsSync(python)) return false;
  const check = spawnSync(python, ['-c', IMPORT_CHECK], { stdio: 'ignore', timeout: IMPORT_CHECK_BOUND_MS });
  if (check.error && 'code' in check.error && check.error.code === 'ETIMEDOUT') {
    throw infraError('WEIR_INFRA_INSTALL', `${python} -c '${IMPORT_CHECK}' did not finish in ${IMPORT_CHECK_BOUND_MS / 60_000} minutes`);
  }
  return check.status === 0;
}

/** Returns the venv's python, creating or repairing the venv when the import check fails. */
export async function ensureVenv(repoRoot: string, log: Log): Promise<string> {
  const venv = join(repoRoot, '.venv');
  const python = join(venv, 'bin', 'python');
  if (importsWork(python)) return python;
  await step(log, `Python venv ${venv}: installing ${REQUIREMENTS.join(' ')} from PyPI`, async () => {
    // A venv whose interpreter vanished (another Python version now) cannot be repaired in place.
    if (existsSync(venv) && spawnSync(python, ['-c', 'pass'], { stdio: 'ignore' }).status !== 0) {
      rmSync(venv, { recursive: true, force: true });
    }
    if (!existsSync(python)) await exec('python3', ['-m', 'venv', venv]);
    await exec(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...REQUIREMENTS]);
  });
  if (!importsWork(python)) {
    throw infraError('WEIR_INFRA_INSTALL', `${python} still cannot run: ${IMPORT_CHECK}`);
  }
  return python;
}
