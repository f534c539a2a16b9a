/**
 * One serialization per event per group (issue 17): a group's subscribers are all
 * handed the same result object (subscriptions.ts `serve`), but graphql-ws copies it
 * into each socket's `next` message and JSON-stringifies the whole message per socket,
 * so 1,000 subscribers of one event cost 1,000 serializations of the same payload.
 * Here `payload` gives graphql-ws one payload object per result (errors formatted
 * once), the message replacer puts a placeholder where that payload goes and keeps its
 * JSON, serialized once per result, and `splice` puts the JSON back into the message
 * on its way to the socket. The message that leaves is byte for byte what graphql-ws
 * would have sent. graphql-ws stringifies a message and hands it to the socket in one
 * synchronous step, so the payload set aside by the replacer is the next one sent.
 */
import crypto from 'node:crypto';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql';

export interface PayloadSerializer {
  /** For graphql-ws `onNext`: the payload object of this result, the same one for every socket it goes to. */
  payload(result: ExecutionResult): FormattedExecutionResult;
  /** For graphql-ws `jsonMessageReplacer`. */
  replacer(this: unknown, key: string, value: unknown): unknown;
  /** For each socket's send: the message with its payload's JSON in place. */
  splice(data: string): string;
  /** How many payloads were serialized, and how many messages used one (for tests and benchmarks). */
  stats(): { serialized: number; spliced: number };
}

export function createPayloadSerializer(): PayloadSerializer {
  const payloads = new WeakMap<ExecutionResult, FormattedExecutionResult>();
  const json = new WeakMap<object, string>();
  // Random per process, so no data a client sends or receives can contain it.
  const token = `\u0000payload:${crypto.randomBytes(8).toString('hex')}\u0000`;
  const quoted = JSON.stringify(token);
  let pending: string | undefined;
  let serialized = 0;
  let spliced = 0;
  return {
    payload(result) {
      let p = payloads.get(result);
      if (!p) {
        const { errors, ...rest } = result;
        // As graphql-ws formats a result itself: errors through toJSON, omitted when there are none.
        p = { ...rest, ...(errors ? { errors: errors.map((e) => e.toJSON()) } : {}) } as FormattedExecutionResult;
        payloads.set(result, p);
      }
      return p;
    },
    replacer(key, value) {
      if (key !== 'payload' || typeof value !== 'object' || value === null || (this as { type?: unknown }).type !== 'next') return value;
      let text = json.get(value);
      if (text === undefined) {
        text = JSON.stringify(value);
        json.set(value, text);
        serialized += 1;
      }
      pending = text;
      return token;
    },
    splice(data) {
      if (pending === undefined) return data;
      const at = data.indexOf(quoted);
      const text = pending;
      pending = undefined;
      if (at < 0) return data;
      spliced += 1;
      return data.slice(0, at) + text + data.slice(at + quoted.length);
    },
    stats: () => ({ serialized, spliced }),
  };
}
