/**
 * The image's entry point: `node dist/weir-service.mjs <service> [args]` runs one service from the
 * compiled bundle, so one image serves every Deployment (the chart passes the name as args);
 * `topics plan|apply` and `replay` are those `weir` commands, for the chart's Jobs.
 */
const SERVICES = ['ingest', 'sessionize', 'window', 'score', 'topics', 'replay'] as const;

const [name] = process.argv.splice(2, 1);
if (!SERVICES.includes(name as (typeof SERVICES)[number])) {
  process.stderr.write(`usage: weir-service ${SERVICES.join('|')} [--help]\n`);
  process.exit(2);
}
// Each service is its own entry of the bundle, loaded only when asked for (a variable specifier,
// so the bundler leaves the import to run time).
const entry = `./${name}.mjs`;
await import(entry);
