/**
 * The hub's error vocabulary: every failure a client can act on carries one of
 * these `extensions.code` values. Domain modules throw them; Apollo Server
 * serialises them (without stack traces) and the gateway passes them through.
 */
import { GraphQLError } from 'graphql';

export type HubErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE';

export class HubError extends GraphQLError {
  constructor(
    readonly code: HubErrorCode,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...details } });
    this.name = 'HubError';
  }
}

/** Input that breaks a rule; `field` names the offending input field. */
export const badInput = (message: string, field?: string, details: Record<string, unknown> = {}) =>
  new HubError('BAD_USER_INPUT', message, field ? { field, ...details } : details);

export const unauthenticated = (message = 'A valid bearer token is required') =>
  new HubError('UNAUTHENTICATED', message, { http: { status: 401 } });

export const forbidden = (message = 'You are not allowed to do this', details: Record<string, unknown> = {}) =>
  new HubError('FORBIDDEN', message, details);

export const notFound = (what: string, id?: string) =>
  new HubError('NOT_FOUND', id ? `${what} ${id} was not found` : `${what} was not found`);

export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new HubError('CONFLICT', message, details);

/** Something the request needs is not up yet (or not any more); the same request later may succeed. */
export const serviceUnavailable = (message: string, reason: string) =>
  new HubError('SERVICE_UNAVAILABLE', message, { reason, retryable: true });

export const isHubError = (e: unknown): e is HubError => e instanceof HubError;
