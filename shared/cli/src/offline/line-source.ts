/** Lines of a file (gzip when it ends in `.gz`) or of stdin, streamed: never the whole file in memory. */
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { OfflineError } from './errors.js';

export interface LineSource {
  lines: AsyncIterable<string>;
  /** Bytes on disk (compressed for `.gz`); null for stdin. */
  size: number | null;
  /** Bytes read from disk so far, for progress. */
  bytesRead(): number;
}

export function openLines(path: string): LineSource {
  if (path === '-') return { lines: createInterface({ input: process.stdin, crlfDelay: Infinity }), size: null, bytesRead: () => 0 };
  let file: ReadStream;
  let size: number;
  try {
    size = statSync(path).size;
    file = createReadStream(path);
  } catch (err) {
    throw new OfflineError('WEIR_CLI_INPUT', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const input = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  const lines = createInterface({ input, crlfDelay: Infinity });
  // A read or gunzip error ends the loop (readline passes it on, or we close the interface if it
  // does not); it is rethrown with a code and the file's name.
  let failure: OfflineError | null = null;
  const fail = (err: Error) => {
    failure ??= new OfflineError('WEIR_CLI_INPUT', `reading ${path}: ${err.message}`, { cause: err });
    lines.close();
  };
  file.on('error', fail);
  if (input !== file) input.on('error', fail);
  return { lines: guarded(lines, () => failure), size, bytesRead: () => file.bytesRead };
}

async function* guarded(lines: AsyncIterable<string>, failure: () => Error | null): AsyncGenerator<string> {
  try {
    for await (const line of lines) yield line;
  } catch (err) {
    throw failure() ?? err;
  }
  const err = failure();
  if (err) throw err;
}
