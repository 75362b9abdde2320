/**
 * The production build: compiles the four services into plain JavaScript with esbuild (one ESM
 * bundle per service and the weir-service entry point) in dist/, so
 * nothing at run time needs tsx, TypeScript or a dev dependency. deploy/Dockerfile runs it.
 *
 * Beside the bundles: the TF.js wasm backend's .wasm binaries, next to the bundled loader, which
 * reads them from its own directory. Left out: the optional native
 * @tensorflow/tfjs-node, which the model code imports by a variable name (auto then takes wasm).
 */
import { build } from 'esbuild';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const outdir = resolve(root, process.argv[2] ?? 'dist');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    'weir-service': 'scripts/image/service-entry.ts',
    ingest: 'services/ingest/src/main.ts',
    sessionize: 'services/sessionize/src/main.ts',
    window: 'services/window/src/main.ts',
    score: 'services/score/src/main.ts',
    topics: 'scripts/image/topics-main.ts',
    replay: 'scripts/image/replay-main.ts',
  },
  outdir,
  bundle: true,
  // The librdkafka client (KAFKA_CLIENT=confluent) is a native addon built on the host: the image
  // runs on kafkajs.
  external: ['@confluentinc/kafka-javascript'],
  // No code splitting: a CommonJS package loaded with import() would become a chunk exporting
  // only `default`, losing its named exports (esbuild's split-chunk interop); each service is one
  // self-contained file instead.
  splitting: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  sourcemap: false,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins, and the
  // wasm backend's Emscripten loader reads __dirname/__filename.
  banner: {
    js: [
      "import { createRequire as __weirCreateRequire } from 'node:module';",
      "import { fileURLToPath as __weirFileURLToPath } from 'node:url';",
      'const require = __weirCreateRequire(import.meta.url);',
      'const __filename = __weirFileURLToPath(import.meta.url);',
      "const __dirname = __weirFileURLToPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
});
// The wasm backend is resolved from @weir/model, whose dependency it is.
const modelRequire = createRequire(join(root, 'shared', 'model', 'package.json'));
const wasmDir = join(modelRequire.resolve('@tensorflow/tfjs-backend-wasm'), '..');
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, file), join(outdir, file));
}
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(`[image] bundled ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB, into ${outdir}\n`);
