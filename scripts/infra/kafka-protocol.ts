/**
 * Just enough of the Kafka wire protocol to tell a broker that is ready from a port that merely
 * accepts connections: ApiVersions, then Metadata, which lists only brokers that have registered
 * and been unfenced by the controller. The infra scripts may use Node built-ins only, so no client.
 */
import { connect, type Socket } from 'node:net';

const API_METADATA = 3;
const API_VERSIONS = 18;
const CLIENT_ID = 'weir-infra-probe';

function request(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length + body.length, 0);
  return Buffer.concat([size, header, clientId, body]);
}

/** Reads length-prefixed responses off one socket, in order. */
class Responses {
  private buffered = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | undefined;
  private failure: Error | undefined;
  private failWaiting: ((err: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.deliver();
    });
    const fail = (err: Error): void => {
      this.failure = err;
      this.failWaiting?.(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the broker closed the connection')));
  }

  next(): Promise<Buffer> {
    return new Promise((resolvePromise, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = resolvePromise;
      this.failWaiting = reject;
      this.deliver();
    });
  }

  private deliver(): void {
    if (!this.waiting || this.buffered.length < 4) return;
    const size = this.buffered.readInt32BE(0);
    if (this.buffered.length < 4 + size) return;
    const frame = this.buffered.subarray(4, 4 + size);
    this.buffered = this.buffered.subarray(4 + size);
    const waiting = this.waiting;
    this.waiting = undefined;
    this.failWaiting = undefined;
    waiting(frame);
  }
}

function metadataVersionRange(apiVersions: Buffer): { min: number; max: number } | undefined {
  // correlation id (4), error code (2), then [api key, min, max] as int16s.
  const error = apiVersions.readInt16BE(4);
  if (error !== 0) throw new Error(`ApiVersions answered error code ${error}`);
  const count = apiVersions.readInt32BE(6);
  for (let i = 0, at = 10; i < count; i++, at += 6) {
    if (apiVersions.readInt16BE(at) === API_METADATA) {
      return { min: apiVersions.readInt16BE(at + 2), max: apiVersions.readInt16BE(at + 4) };
    }
  }
  return undefined;
}

/** Metadata v1 (old brokers) or v4 (brokers that dropped v1); both are non-flexible encodings. */
function metadataRequest(version: 1 | 4): Buffer {
  const allTopics = Buffer.alloc(4);
  allTopics.writeInt32BE(-1, 0);
  const body = version === 1 ? allTopics : Buffer.concat([allTopics, Buffer.from([0])]);
  return request(API_METADATA, version, 2, body);
}

function brokerCount(metadata: Buffer, version: 1 | 4): number {
  // correlation id, then (from v3) throttle time, then the broker array's length.
  return metadata.readInt32BE(version === 1 ? 4 : 8);
}

/** How many live brokers the broker at host:port reports; rejects when it does not speak Kafka. */
export async function liveBrokerCount(host: string, port: number, timeoutMs = 5_000): Promise<number> {
  const socket = connect({ host, port });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no Kafka answer within ${timeoutMs} ms`)));
  const responses = new Responses(socket);
  try {
    socket.write(request(API_VERSIONS, 0, 1, Buffer.alloc(0)));
    const range = metadataVersionRange(await responses.next());
    if (!range) throw new Error('the broker offers no Metadata API');
    const version = range.min <= 1 && range.max >= 1 ? 1 : range.min <= 4 && range.max >= 4 ? 4 : undefined;
    if (!version) throw new Error(`the broker's Metadata versions ${range.min}-${range.max} are not ones this probe speaks`);
    socket.write(metadataRequest(version));
    return brokerCount(await responses.next(), version);
  } finally {
    socket.destroy();
  }
}
