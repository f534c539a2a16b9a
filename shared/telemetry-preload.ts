/**
 * Imported first by the entry points (scripts/start-service.ts, scripts/start-hub.ts):
 * OpenTelemetry's instrumentations patch http, express, graphql and pg as they are
 * required, so tracing starts before anything else is loaded. Nothing happens unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (shared/telemetry.ts).
 */
import { startTelemetry } from './telemetry';

// `start-service <name>` names the service it runs; the all-in-one hub is one resource.
const script = process.argv[1] ?? '';
startTelemetry({ serviceName: /start-service/.test(script) && process.argv[2] ? `care-team-hub-${process.argv[2]}` : 'care-team-hub' });
