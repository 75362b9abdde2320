/**
 * Command-line tools the test suite needs besides the servers: Helm (built from its Go module,
 * as no registry here ships a binary) and kubernetes-validate (PyPI, bundles the Kubernetes
 * schemas so charts are checked offline). Installed once, reused after.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const HELM_MODULE = 'helm.sh/helm/v3/cmd/helm@v3.16.4';
const root = join(import.meta.dirname, '..');

function onPath(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

function goBin(): string {
  const gobin = spawnSync('go', ['env', 'GOBIN'], { encoding: 'utf8' }).stdout?.trim();
  if (gobin) return gobin;
  const gopath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).stdout?.trim();
  return join(gopath || join(homedir(), 'go'), 'bin');
}

export function ensureHelm(log: (line: string) => void): string {
  const existing = process.env.WEIR_HELM ?? onPath('helm');
  if (existing) return existing;
  const built = join(goBin(), 'helm');
  if (existsSync(built)) return built;
  log(`building helm from ${HELM_MODULE} (a few minutes the first time)...`);
  const started = Date.now();
  execFileSync('go', ['install', HELM_MODULE], { stdio: ['ignore', 'inherit', 'inherit'] });
  log(`helm built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return built;
}

export function ensureKubernetesValidate(log: (line: string) => void): string {
  const venv = join(root, '.venv-tools');
  const bin = join(venv, 'bin', 'kubernetes-validate');
  if (existsSync(bin)) return bin;
  log('installing kubernetes-validate into .venv-tools...');
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'kubernetes-validate==1.*'], { stdio: 'inherit' });
  return bin;
}

/** Env vars naming the tools, for the tests that use them. */
export function ensureTools(log: (line: string) => void): Record<string, string> {
  return { WEIR_HELM: ensureHelm(log), WEIR_KUBE_VALIDATE: ensureKubernetesValidate(log) };
}
