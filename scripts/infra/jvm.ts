/** JVM arguments shared by the servers. */
import { join } from 'node:path';

/** A classpath of every jar in `libDir` (the JVM expands the wildcard itself). */
export function jarsIn(libDir: string): string {
  return join(libDir, '*');
}

export function heap(maxMb: number): string[] {
  // Modest and fixed: the same machine runs the tests, and three JVMs share its memory.
  return [`-Xms${Math.min(128, maxMb)}m`, `-Xmx${maxMb}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true'];
}
