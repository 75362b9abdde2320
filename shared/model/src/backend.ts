/**
 * Which TF.js backend runs the networks. `cpu` (pure JS) always works and is the default, because
 * it gives the same numbers everywhere; `wasm` ships in this package and works offline once told
 * where its .wasm files are; `node` (`@tensorflow/tfjs-node`, native TensorFlow) is optional and is
 * only ever loaded by dynamic import, so nothing breaks where it cannot be installed.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { ModelError } from './errors.js';

export type BackendName = 'cpu' | 'wasm' | 'node';
export type BackendChoice = BackendName | 'auto';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'wasm', 'node'];

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** The TF.js registry names behind ours. */
const TF_NAME: Record<BackendName, string> = { cpu: 'cpu', wasm: 'wasm', node: 'tensorflow' };

/** Fastest first: what `auto` tries. */
const AUTO_ORDER: readonly BackendName[] = ['node', 'wasm', 'cpu'];

let chosen: BackendName | null = null;

/**
 * Makes `choice` the active backend and returns the one chosen. `auto` takes the first of
 * node → wasm → cpu that initialises. Throws WEIR_MODEL_BACKEND when a named backend cannot start.
 */
export async function selectBackend(choice: BackendChoice = 'cpu'): Promise<BackendName> {
  quietNodeAdvert();
  if (choice === 'auto') {
    for (const name of AUTO_ORDER) {
      if (await tryActivate(name)) return name;
    }
    throw new ModelError('WEIR_MODEL_BACKEND', 'no TF.js backend could be initialised (tried node, wasm, cpu)');
  }
  if (!(await tryActivate(choice))) {
    const hint = choice === 'node' ? ' (is @tensorflow/tfjs-node installed?)' : '';
    throw new ModelError('WEIR_MODEL_BACKEND', `TF.js backend "${choice}" could not be initialised${hint}`);
  }
  return choice;
}

/** The backends that initialise on this machine, in the order `auto` prefers them; leaves the active one as it was. */
export async function availableBackends(): Promise<BackendName[]> {
  const previous = chosen;
  const found: BackendName[] = [];
  for (const name of AUTO_ORDER) if (await tryActivate(name)) found.push(name);
  if (previous !== null) await tryActivate(previous);
  else if (found.includes('cpu')) await tryActivate('cpu');
  return found;
}

/** The active backend, selecting `cpu` first if nobody chose one (TF.js would otherwise try WebGL and complain). */
export async function ensureBackend(): Promise<BackendName> {
  if (chosen !== null && tf.getBackend() === TF_NAME[chosen]) return chosen;
  return selectBackend(chosen ?? 'cpu');
}

export function activeBackend(): BackendName | null {
  return chosen;
}

async function tryActivate(name: BackendName): Promise<boolean> {
  try {
    return await withoutAddedCrashHandlers(async () => {
      await register(name);
      if (!(await tf.setBackend(TF_NAME[name]))) return false;
      await tf.ready();
      chosen = name;
      return true;
    });
  } catch {
    return false;
  }
}

/**
 * The wasm backend's Emscripten loader adds process handlers that rethrow whatever reaches them:
 * a later crash anywhere in the process is then reported as thrown inside its minified loader,
 * with that file's one 30 kB source line printed over the real error. Whatever handlers `work`
 * adds are taken off again (Node's own crash handling is what they imitate).
 */
async function withoutAddedCrashHandlers<T>(work: () => Promise<T>): Promise<T> {
  const uncaught = process.listeners('uncaughtException');
  const unhandled = process.listeners('unhandledRejection');
  try {
    return await work();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!uncaught.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!unhandled.includes(l)) process.off('unhandledRejection', l);
  }
}

async function register(name: BackendName): Promise<void> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The backend fetches its .wasm binaries by path; point it at the installed package so it works
    // offline. Only possible before it first initialises.
    const dir = wasmDistDir();
    if (tf.findBackend(TF_NAME.wasm) === null && dir !== undefined) wasm.setWasmPaths(`${dir}/`);
  } else if (name === 'node' && tf.findBackendFactory(TF_NAME.node) === null) {
    // A variable specifier keeps TypeScript (and bundlers) from requiring the package to exist.
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
    // tfjs-node registers into the @tensorflow/tfjs-core it resolves; if that is another copy than ours, we cannot use it.
    if (tf.findBackendFactory(TF_NAME.node) === null) throw new Error('tfjs-node registered into another tfjs-core copy');
  }
}

function wasmDistDir(): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    // The package's main entry lives in dist/, next to the .wasm files.
    return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  } catch {
    // The production bundle (scripts/image/bundle.ts) has no node_modules: the .wasm files sit
    // beside the bundled loader, which finds them there by itself.
    return undefined;
  }
}

let quieted = false;
/**
 * On its first tensor the cpu backend prints a banner urging tfjs-node; TF.js only silences its
 * warnings in production mode, which also skips debug-only checks we do not rely on.
 */
function quietNodeAdvert(): void {
  if (quieted) return;
  quieted = true;
  tf.enableProdMode();
}
