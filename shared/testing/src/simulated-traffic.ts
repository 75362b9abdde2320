/**
 * Simulated traffic parsed into RequestEvents, as the pipeline tests and the benchmarks feed it
 * to the stages: one parser a customer, in the log format the simulator wrote that customer's log
 * in. The simulator writes valid lines only, so a line that does not parse is a bug worth hearing
 * of: it throws (WEIR_SIMULATED_LINE), never is passed over.
 */
import type { RequestEvent } from '@weir/contracts';
import { parserFor, type LogParser } from '@weir/logs';
import { simulateTraffic, type SimulationOptions } from '@weir/simulator';

export interface ParsedTrafficOptions {
  /** The customer a simulated customer's events belong to; the simulator's name by default. */
  customer?: (simulated: string) => string;
  /** The log format of each simulated customer's lines (`customerLogFormats`); combined by default. */
  formats?: Readonly<Record<string, string>>;
}

export function* parsedTraffic(simulation: SimulationOptions, options: ParsedTrafficOptions = {}): Generator<RequestEvent> {
  const parsers = new Map<string, LogParser>();
  let lineNo = 0;
  for (const line of simulateTraffic(simulation)) {
    const customer = options.customer?.(line.customer) ?? line.customer;
    let parser = parsers.get(customer);
    if (!parser) parsers.set(customer, (parser = parserFor(options.formats?.[line.customer] ?? 'combined', { customer })));
    const result = parser.parseLine(line.line, ++lineNo);
    if (!result?.ok) throw new Error(`WEIR_SIMULATED_LINE: simulated ${result ? result.message : `line ${lineNo} is blank`}: ${line.line}`);
    yield result.event;
  }
}

/** Every event of the simulation, in the simulator's order. */
export function parsedEvents(simulation: SimulationOptions, options: ParsedTrafficOptions = {}): RequestEvent[] {
  return [...parsedTraffic(simulation, options)];
}
