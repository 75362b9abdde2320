/**
 * Where the shipped model lives: `models/default` at the root of the weir workspace — the
 * directory holding `pnpm-workspace.yaml`, found by walking up from a starting directory — so it
 * does not depend on how deep in the tree the code asking for it sits. Outside a workspace (a
 * package copied on its own) there is no shipped model: the nearest directory holding a
 * package.json is taken as the root, and a model is expected under its `models/default`.
 * A deployment with its model elsewhere says so with WEIR_MODEL_DIR (the score service) or
 * `--model` (the CLI).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function workspaceRoot(from: string): string {
  let packageRoot: string | undefined;
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (packageRoot === undefined && existsSync(join(dir, 'package.json'))) packageRoot = dir;
    if (dirname(dir) === dir) return packageRoot ?? from;
  }
}

export function shippedModelDir(from: string = import.meta.dirname): string {
  return join(workspaceRoot(from), 'models', 'default');
}
