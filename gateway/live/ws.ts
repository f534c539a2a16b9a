/**
 * graphql-ws on the gateway's HTTP server, at the same path as HTTP GraphQL. The
 * token travels in `connectionParams.authorization` ("Bearer <jwt>"): missing, bad or
 * expired → the socket closes with 4401; a role the endpoint does not serve → 4403;
 * a socket whose token expires is closed (4401) at that instant. A browser page from
 * an origin the CORS allowlist does not name is refused before the handshake (403).
 */
import type http from 'node:http';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal, TokenVerifier } from '../../shared/auth';
import { isHubError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { webSocketOriginAllowed } from '../console';
import type { LiveExecutor } from './executor';
import { createPayloadSerializer } from './serialize-once';
import type { ConnectionBudget, SubscriptionManager } from './subscriptions';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** RFC 6455 "try again later": the client's queue overflowed; it should resume from its cursor. */
export const CLOSE_OVERFLOW = 1013;

export interface LiveEndpoint {
  path: string;
  /** The schema operations are validated against (the API schema, or a contract of it). */
  schema(): GraphQLSchema;
  executor(): LiveExecutor;
  manager(): SubscriptionManager;
  /** null when the principal may use this endpoint, else the reason it may not. */
  refuse(principal: Principal): string | null;
}

interface ConnectionState {
  principal?: Principal;
  authorization?: string;
  budget?: ConnectionBudget;
  expiry?: NodeJS.Timeout;
}

export interface LiveServer {
  connections(): number;
  close(): Promise<void>;
}

/** Parsed and validated documents by endpoint and query text: thousands of clients send the same few operations. */
const MAX_CACHED_DOCUMENTS = 500;

export function attachLiveEndpoints(httpServer: http.Server, endpoints: LiveEndpoint[], verify: TokenVerifier, queueLimit: number, log: Logger): LiveServer {
  const servers = endpoints.map((endpoint) => {
    const wss = new WebSocketServer({ noServer: true });
    const state = new WeakMap<WebSocket, ConnectionState>();
    const documents = new Map<string, { schema: GraphQLSchema; document: DocumentNode }>();
    const parseAndValidate = (query: string): DocumentNode | readonly GraphQLError[] => {
      const schema = endpoint.schema();
      const cached = documents.get(query);
      if (cached && cached.schema === schema) return cached.document;
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (err) {
        return [err as GraphQLError];
      }
      const errors = validate(schema, document);
      if (errors.length) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
      if (documents.size >= MAX_CACHED_DOCUMENTS) documents.delete(documents.keys().next().value!);
      documents.set(query, { schema, document });
      return document;
    };
    // Each event's payload is serialized once for all its sockets (serialize-once.ts).
    const serializer = createPayloadSerializer();
    wss.on('connection', (socket: WebSocket) => {
      const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
      socket.send = ((data: unknown, ...rest: unknown[]) => send(typeof data === 'string' ? serializer.splice(data) : data, ...rest)) as WebSocket['send'];
    });
    const cleanup = useServer<Record<string, unknown>, { state?: ConnectionState }>(
      {
        jsonMessageReplacer: serializer.replacer,
        onNext: (_ctx, _id, _payload, _args, result) => serializer.payload(result),
        onConnect: async (ctx) => {
          const socket = ctx.extra.socket;
          const s: ConnectionState = {};
          state.set(socket, s);
          const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          const token = typeof raw === 'string' ? raw.replace(/^Bearer\s+/i, '') : '';
          if (!token) {
            socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: connectionParams.authorization must carry a bearer token');
            return false;
          }
          let principal: Principal;
          try {
            principal = await verify(token);
          } catch (err) {
            socket.close(CLOSE_UNAUTHORIZED, `Unauthorized: ${isHubError(err) ? err.message : 'invalid token'}`);
            return false;
          }
          const refusal = endpoint.refuse(principal);
          if (refusal) {
            socket.close(CLOSE_FORBIDDEN, `Forbidden: ${refusal}`);
            return false;
          }
          s.principal = principal;
          s.authorization = `Bearer ${token}`;
          s.budget = { pending: 0, limit: queueLimit, overflow: () => socket.close(CLOSE_OVERFLOW, 'Subscriber queue overflow: reconnect and resume from your last cursor') };
          if (principal.expiresAt) {
            const ms = principal.expiresAt.getTime() - Date.now();
            s.expiry = setTimeout(() => socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: the token expired'), Math.max(0, ms));
            s.expiry.unref();
          }
          return true;
        },
        onClose: (ctx) => {
          clearTimeout(state.get(ctx.extra.socket)?.expiry);
        },
        onSubscribe: async (ctx, _id, payload) => {
          const s = state.get(ctx.extra.socket);
          if (!s?.principal) return [new GraphQLError('Not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
          const document = parseAndValidate(payload.query);
          if (!('kind' in document)) return document;
          try {
            const prepared = endpoint.executor().prepare(document, payload.operationName, payload.variables);
            const results = await endpoint.manager().subscribe({ prepared, principal: s.principal, authorization: s.authorization!, connection: s.budget! });
            return { schema: endpoint.schema(), document, contextValue: { results } };
          } catch (err) {
            if (isHubError(err)) return [err];
            log.error({ err }, 'subscribe failed');
            return [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
          }
        },
        // onSubscribe has already started the subscription; hand graphql-ws its results.
        subscribe: (args) => (args.contextValue as { results: AsyncGenerator }).results as never,
        execute: () => ({ errors: [new GraphQLError('Send queries and mutations to POST /graphql')] }),
      },
      wss,
    );
    return { endpoint, wss, cleanup };
  });

  httpServer.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const target = servers.find((s) => s.endpoint.path === path);
    if (!target) return void socket.destroy();
    if (!webSocketOriginAllowed(req.headers.origin, req.headers.host)) {
      const body = JSON.stringify({ errors: [{ message: `Origin ${req.headers.origin} may not open a live connection (CORS_ORIGINS)`, extensions: { code: 'FORBIDDEN', reason: 'CORS_ORIGIN_NOT_ALLOWED' } }] });
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    target.wss.handleUpgrade(req, socket, head, (ws) => target.wss.emit('connection', ws, req));
  });

  return {
    connections: () => servers.reduce((n, s) => n + s.wss.clients.size, 0),
    close: async () => {
      for (const s of servers) await s.cleanup.dispose(); // closes every socket with 1001 Going Away
      for (const s of servers) for (const client of s.wss.clients) client.terminate(); // peers that never answer the close
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.wss.close(() => r()))));
    },
  };
}
