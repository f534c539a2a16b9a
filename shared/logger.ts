/**
 * Structured JSON logs (pino) for every service; never log PHI, only ids. Every line
 * written while a request is handled carries that request's id: the HTTP shell
 * (shared/http.ts) runs each request inside `withRequestId`, and a pino mixin reads it
 * from AsyncLocalStorage, so no code has to thread a child logger through to get it.
 * The sink is stdout unless a test redirects it (`setLogDestination`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { config } from './config';

const requestIds = new AsyncLocalStorage<string>();

/** Runs `fn` (and everything it starts) as part of request `id`: its log lines carry `requestId`. */
export const withRequestId = <T>(id: string, fn: () => T): T => requestIds.run(id, fn);

/** The caller's `x-request-id` when it is a sane token (it lands in logs and the audit trail), else null. */
export const acceptedRequestId = (header: unknown): string | null =>
  typeof header === 'string' && /^[\w.:-]{1,128}$/.test(header) ? header : null;

type Sink = { write(line: string): void };
let sink: Sink = pino.destination(1);
/** Where log lines go: stdout by default; a test passes its own stream (null restores stdout). */
export function setLogDestination(dest: Sink | null): void {
  sink = dest ?? pino.destination(1);
}

/** A child already bound to a request id (its bindings are kept as a JSON fragment: a string search, no parse). */
const boundToRequest = (instance: pino.Logger): boolean =>
  String((instance as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym] ?? '').includes('"requestId"');

export const rootLogger = pino(
  {
    level: config.logLevel,
    base: undefined,
    // A line that names its request itself (or a child bound to one) keeps it; otherwise the current request's id.
    mixin(merge, _level, instance) {
      const id = requestIds.getStore();
      if (!id || 'requestId' in merge || boundToRequest(instance as pino.Logger)) return {};
      return { requestId: id };
    },
  },
  { write: (line: string) => sink.write(line) },
);
export const logger = (service: string) => rootLogger.child({ service });
export type Logger = pino.Logger;
