/**
 * Traces (OpenTelemetry). Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set or a test passes its own exporter: off,
 * the SDK is never loaded and the calls below go to the API's no-op tracer. On, the
 * NodeSDK runs with the HTTP, express, GraphQL and pg instrumentations and the W3C
 * `traceparent` propagator, exporting over OTLP as the standard OTEL_* variables say
 * (metrics stay with Prometheus, shared/metrics.ts, logs with pino).
 *
 * Instrumentations patch modules as they are required, so the processes start the SDK
 * first (`shared/telemetry-preload.ts`, the first import of scripts/start-*.ts). The
 * spans a trace needs do not depend on that patching: every service's GraphQL request
 * is a server span continuing the caller's `traceparent` (`traceRequests`, mounted by
 * shared/http.ts), and the gateway's query-plan fetches are client spans that send it
 * on (gateway/subgraph-fetch.ts), so one query is one trace however the code was loaded.
 */
import { randomUUID } from 'node:crypto';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type express from 'express';
import { acceptedRequestId, withRequestId, type Logger } from './logger';

export const tracer = trace.getTracer('care-team-hub');

export interface TelemetryOptions {
  /** `service.name` of the resource (OTEL_SERVICE_NAME wins). */
  serviceName?: string;
  /** Export here, span by span, instead of OTLP (tests: InMemorySpanExporter). */
  exporter?: SpanExporter;
}

let sdk: { shutdown(): Promise<void> } | undefined;

export const telemetryEnabled = (): boolean => sdk !== undefined;

/** Starts tracing when configured; returns whether it runs. Call before anything else is required. */
export function startTelemetry(o: TelemetryOptions = {}): boolean {
  if (sdk) return true;
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!endpoint && !o.exporter) return false;
  // Only traces go through OpenTelemetry here; without these NodeSDK would also start OTLP metric and log exporters.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  process.env.OTEL_SERVICE_NAME ??= o.serviceName ?? 'care-team-hub';
  // Required here, not imported: a service without tracing never loads the SDK.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { GraphQLInstrumentation } = require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const probes = new Set(['/health', '/ready', '/metrics']);
  const node = new NodeSDK({
    // With no exporter given, NodeSDK builds the OTLP one from OTEL_EXPORTER_OTLP_* (protocol included).
    ...(o.exporter ? { spanProcessors: [new SimpleSpanProcessor(o.exporter)] } : {}),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => probes.has((req.url ?? '').split('?')[0]) }),
      new ExpressInstrumentation(),
      // One span per resolver would dwarf the request; parse, validate and execute are kept.
      new GraphQLInstrumentation({ ignoreResolveSpans: true }),
      // Statements inside a traced request only: the consumers' background polls would be a trace a second each.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  node.start();
  sdk = node;
  return true;
}

/** Flushes and stops tracing (a no-op when off): call before the process exits. */
export async function stopTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown().catch(() => undefined);
}

/**
 * Express middleware in front of a service's GraphQL endpoint: the request id
 * (accepted from `x-request-id` or new; written back to the request for the context
 * and to the response header), a server span continuing the caller's trace, and both
 * made current for everything the request does — its log lines carry the id. One
 * access line per request (status and milliseconds) closes it.
 */
export function traceRequests(service: string, log: Logger): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = acceptedRequestId(req.headers['x-request-id']) ?? randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const active = context.active();
    // The http instrumentation, when loaded, already continued the caller's trace; otherwise continue it here.
    const parent = trace.getSpan(active) ? active : propagation.extract(active, req.headers);
    const span: Span = tracer.startSpan(`${service} ${req.method} ${req.baseUrl || req.path}`, {
      kind: SpanKind.SERVER,
      attributes: { 'hub.service': service, 'http.request.method': req.method, 'url.path': req.originalUrl.split('?')[0], 'hub.request_id': requestId },
    }, parent);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ requestId, status: res.statusCode, ms: Math.round(ms * 10) / 10, completed: res.writableFinished }, 'graphql request');
    };
    res.once('finish', end);
    res.once('close', end);
    withRequestId(requestId, () => context.with(trace.setSpan(parent, span), next));
  };
}
