/**
 * The HTTP settings every service reads, as @weir/stream env specs so a service spreads them
 * into its own spec and gets every problem reported together:
 *
 *   const spec = { ...httpEnv(9090), window: env.duration('WEIR_WINDOW_SIZE').default('1m') };
 *
 *   PORT   default per service (ingest 8080, the stream services 9090); 0 picks a free port
 *   HOST   default 0.0.0.0: probes and the Service reach the pod from outside its loopback
 */
import { env } from '@weir/stream';

export function httpEnv(defaultPort: number) {
  return {
    port: env.int('PORT', { min: 0, max: 65535 }).default(defaultPort),
    host: env.string('HOST').default('0.0.0.0'),
  };
}
