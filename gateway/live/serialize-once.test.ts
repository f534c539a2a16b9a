/**
 * One serialization per event per group: what leaves for each socket is byte for byte
 * the message graphql-ws would have built, while the payload is serialized once.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { createPayloadSerializer } from './serialize-once';

/** What graphql-ws itself sends for a result (server.ts `emit.next`, no onNext, no replacer). */
const asGraphqlWsSends = (id: string, result: ExecutionResult) => {
  const { errors, ...rest } = result;
  return stringifyMessage({ id, type: MessageType.Next, payload: { ...rest, ...(errors ? { errors: errors.map((e) => e.toJSON()) } : {}) } });
};
/** The same message the way the live endpoint sends it: onNext's payload, the replacer, then the socket's splice. */
const throughSerializer = (s: ReturnType<typeof createPayloadSerializer>, id: string, result: ExecutionResult) =>
  s.splice(stringifyMessage({ id, type: MessageType.Next, payload: s.payload(result) }, s.replacer));

test('a result sent to many sockets is serialized once, and each message is what graphql-ws would send', () => {
  const s = createPayloadSerializer();
  const result: ExecutionResult = { data: { carePlanChanged: { cursor: 'abc', revision: { version: 3, title: 'Heart failure "plan"', payload: { type: 'next' } } } } };
  for (const id of ['1', '2', 'a-long-subscription-id']) expect(throughSerializer(s, id, result)).toBe(asGraphqlWsSends(id, result));
  expect(s.stats()).toEqual({ serialized: 1, spliced: 3 });
  const other: ExecutionResult = { data: { carePlanChanged: null } };
  expect(throughSerializer(s, '1', other)).toBe(asGraphqlWsSends('1', other));
  expect(s.stats()).toEqual({ serialized: 2, spliced: 4 });
});

test('errors are formatted as graphql-ws formats them, with their extensions', () => {
  const s = createPayloadSerializer();
  const result: ExecutionResult = { data: null, errors: [new GraphQLError('A service did not answer', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', cursor: 'xyz' } })], extensions: { cursor: 'xyz' } };
  expect(throughSerializer(s, '7', result)).toBe(asGraphqlWsSends('7', result));
  expect(JSON.parse(throughSerializer(s, '8', result)).payload.errors[0]).toEqual({ message: 'A service did not answer', extensions: { code: 'SUBGRAPH_UNAVAILABLE', cursor: 'xyz' } });
});

test('other messages pass untouched, and a payload whose socket was closed before sending never lands in the next message', () => {
  const s = createPayloadSerializer();
  // A next message stringified for a socket that was already closed: its send never happens.
  stringifyMessage({ id: '1', type: MessageType.Next, payload: s.payload({ data: { x: 1 } }) }, s.replacer);
  const complete = stringifyMessage({ id: '2', type: MessageType.Complete }, s.replacer);
  expect(s.splice(complete)).toBe(complete);
  const pong = stringifyMessage({ type: MessageType.Pong }, s.replacer);
  expect(s.splice(pong)).toBe(pong);
  // Data that looks like a placeholder is only data: the real one carries a per-process random nonce.
  const sneaky: ExecutionResult = { data: { note: '\u0000payload:0000000000000000\u0000' } };
  expect(throughSerializer(s, '3', sneaky)).toBe(asGraphqlWsSends('3', sneaky));
});
