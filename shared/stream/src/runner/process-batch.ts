/**
 * Decode → process → encode for one chunk of one partition, with dead letters for what fails.
 * A chunk is first processed whole. If the stage throws (or returns an output that does not
 * encode), its state changes and live object are dropped and the records go through again one at
 * a time from the state before the chunk, each in its own state layer: the ones that fail are
 * dead-lettered, the others count once.
 *
 * Only bad data is dead-lettered. A transient error (isTransient: a registry, broker or other
 * dependency not answering) is thrown out of `process` whole, wherever it happens: the runner
 * drops the chunk's state and retries the chunk when the dependency is back.
 */
import type { Logger } from 'pino';
import type { ConsumedMessage, OutgoingMessage } from '../bus.js';
import { isTransient } from '@weir/contracts';
import { deadLetter, reasonCode } from '../dead-letter.js';
import { isStreamError, StreamError } from '../errors.js';
import type { StageSerde } from '../serde.js';
import type { InputRecord, LiveSlot, OutputRecord, Stage, StageContext, StateView } from '../stage.js';

export interface ChunkResult {
  outputs: OutgoingMessage[];
  deadLetters: DeadLetter[];
}

/** A dead letter and its reason's code, counted once it is written (a held chunk may be tried many times). */
export interface DeadLetter {
  message: OutgoingMessage;
  reason: string;
}

interface Decoded<In> {
  record: InputRecord<In>;
  source: ConsumedMessage;
}

/** Any state layer the stage may write to: the partition's store layer, or the stateless view. */
export type StageState<S, L> = StateView<S> & { readonly live: LiveSlot<L>; layer(): StageState<S, L>; commit(): void };

export class ChunkProcessor<In, Out, S, L> {
  constructor(
    private readonly stage: Stage<In, Out, S, L>,
    private readonly serde: StageSerde<In, Out>,
    private readonly deadLetterTopic: string,
    private readonly logger: Logger,
  ) {}

  async process(messages: ConsumedMessage[], state: StageState<S, L>, partition: { topic: string; partition: number }): Promise<ChunkResult> {
    const deadLetters: DeadLetter[] = [];
    const decoded = await this.decodeAll(messages, deadLetters);
    if (decoded.length === 0) return { outputs: [], deadLetters };

    const whole = state.layer();
    try {
      const outputs = await this.run(decoded.map((d) => d.record), whole, partition);
      whole.commit();
      return { outputs, deadLetters };
    } catch (error) {
      if (isTransient(error)) throw error;
      if (decoded.length === 1) {
        deadLetters.push(this.deadLetter(decoded[0]!.source, error));
        return { outputs: [], deadLetters };
      }
      this.logger.debug({ err: error, records: decoded.length }, 'chunk failed, processing its records one by one');
    }

    const outputs: OutgoingMessage[] = [];
    for (const { record, source } of decoded) {
      const single = state.layer();
      try {
        outputs.push(...(await this.run([record], single, partition)));
        single.commit();
      } catch (error) {
        if (isTransient(error)) throw error;
        deadLetters.push(this.deadLetter(source, error));
      }
    }
    return { outputs, deadLetters };
  }

  /** Timer outputs: there is no input record to blame, so a failure is logged and the tick skipped. */
  async tick(
    now: number,
    state: StageState<S, L>,
    partition: { topic: string; partition: number },
    caughtUp: () => Promise<boolean>,
  ): Promise<OutgoingMessage[]> {
    const onTick = this.stage.onTick;
    if (!onTick) return [];
    const layer = state.layer();
    try {
      const outputs = await this.encode(await onTick.call(this.stage, now, { ...this.context(layer, partition), caughtUp }));
      layer.commit();
      return outputs;
    } catch (error) {
      // The next tick tries again: a tick has no records to hold back.
      if (isTransient(error)) this.logger.warn({ err: error, ...partition }, `onTick waits for a dependency; tried again next tick: ${messageOf(error)}`);
      else this.logger.error({ err: error, ...partition }, `onTick failed; its changes are dropped: ${String(error)}`);
      return [];
    }
  }

  private async run(records: InputRecord<In>[], state: StageState<S, L>, partition: { topic: string; partition: number }) {
    let outputs: OutputRecord<Out>[];
    try {
      outputs = await this.stage.process(records, this.context(state, partition));
    } catch (error) {
      if (isStreamError(error)) throw error;
      throw new StreamError('WEIR_STAGE_PROCESS', `stage ${this.stage.name} failed: ${messageOf(error)}`, { cause: error });
    }
    return this.encode(outputs);
  }

  private context(state: StageState<S, L>, partition: { topic: string; partition: number }): StageContext<S, L> {
    return { ...partition, state, live: state.live, log: this.logger };
  }

  /** The chunk's records decoded; those that do not decode are dead-lettered into `deadLetters`. */
  private async decodeAll(messages: ConsumedMessage[], deadLetters: DeadLetter[]): Promise<Array<Decoded<In>>> {
    const decoded: Array<Decoded<In>> = [];
    const decodeMany = this.serde.decodeMany;
    // A chunk is one partition of one topic: one call decodes it.
    const topic = messages[0]?.topic;
    if (decodeMany && topic !== undefined && messages.every((m) => m.value !== null && m.topic === topic)) {
      // Only a transient error rejects the whole call (see Serde.decodeMany): the chunk is held.
      const values = await decodeMany.call(this.serde, topic, messages.map((m) => m.value!)).catch((error: unknown) => {
        throw decodeError(error);
      });
      messages.forEach((source, i) => {
        const value = values[i]!;
        if (value instanceof Error) deadLetters.push(this.deadLetter(source, decodeError(value)));
        else decoded.push({ record: inputRecord(source, value), source });
      });
      return decoded;
    }
    for (const source of messages) {
      try {
        decoded.push({ record: await this.decode(source), source });
      } catch (error) {
        if (isTransient(error)) throw error;
        deadLetters.push(this.deadLetter(source, error));
      }
    }
    return decoded;
  }

  private async decode(source: ConsumedMessage): Promise<InputRecord<In>> {
    if (source.value === null) throw new StreamError('WEIR_STAGE_DECODE', 'record has no value (a tombstone)');
    let value: In;
    try {
      value = await this.serde.decode(source.topic, source.value);
    } catch (error) {
      throw decodeError(error);
    }
    return inputRecord(source, value);
  }

  private async encode(outputs: OutputRecord<Out>[]): Promise<OutgoingMessage[]> {
    const encodeMany = this.serde.encodeMany;
    if (encodeMany) {
      let values: Buffer[];
      try {
        values = await encodeMany.call(this.serde, outputs);
      } catch (error) {
        throw new StreamError('WEIR_STAGE_ENCODE', `cannot encode an output: ${messageOf(error)}`, { cause: error });
      }
      return outputs.map((output, i) => ({ topic: output.topic, key: output.key, value: values[i]!, headers: output.headers, timestamp: output.timestamp }));
    }
    return Promise.all(
      outputs.map(async (output) => {
        let value: Buffer;
        try {
          value = await this.serde.encode(output.topic, output.value);
        } catch (error) {
          throw new StreamError('WEIR_STAGE_ENCODE', `cannot encode an output for ${output.topic}: ${messageOf(error)}`, { cause: error });
        }
        return { topic: output.topic, key: output.key, value, headers: output.headers, timestamp: output.timestamp };
      }),
    );
  }

  private deadLetter(source: ConsumedMessage, error: unknown): DeadLetter {
    this.logger.warn(
      { err: error, topic: source.topic, partition: source.partition, offset: source.offset },
      `dead letter: ${messageOf(error)}`,
    );
    const message = deadLetter({ topic: this.deadLetterTopic, source, stage: this.stage.name, error, now: Date.now() });
    return { message, reason: reasonCode(error) };
  }
}

function decodeError(error: unknown): StreamError {
  return new StreamError('WEIR_STAGE_DECODE', `cannot decode: ${messageOf(error)}`, { cause: error });
}

function inputRecord<In>(source: ConsumedMessage, value: In): InputRecord<In> {
  const { topic, partition, offset, key, headers, timestamp } = source;
  return { topic, partition, offset, key, value, headers, timestamp };
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
  return `${code}${error.message}`;
}

/** The state seen by a stage configured without a store: empty, and refuses writes. */
export class NoState<S, L> implements StageState<S, L> {
  constructor(private readonly stageName: string) {}
  /** Nothing to roll it back with: a stage without a store keeps no live object either. */
  readonly live: LiveSlot<L> = {
    get: () => undefined,
    set: () => this.set(),
  };
  get(): S | undefined {
    return undefined;
  }
  has(): boolean {
    return false;
  }
  set(): void {
    throw new StreamError('WEIR_STAGE_PROCESS', `stage ${this.stageName} has no state store: give runStage a \`state\` option`);
  }
  delete(): void {
    this.set();
  }
  *entries(): IterableIterator<[string, S]> {}
  readonly size = 0;
  layer(): StageState<S, L> {
    return this;
  }
  commit(): void {}
}

