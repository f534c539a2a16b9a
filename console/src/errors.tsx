/** What a GraphQL error means to the user: the hub's codes (docs/architecture.md, Errors) in words, with what to do. */
import type { ApolloError } from '@apollo/client';
import type { GraphQLFormattedError } from 'graphql';

export interface HubProblem { code: string; reason?: string; message: string; path?: readonly (string | number)[]; extensions: Record<string, unknown> }

export function problemsOf(error: ApolloError | undefined | null, extra: readonly GraphQLFormattedError[] = []): HubProblem[] {
  const list = [...(error?.graphQLErrors ?? []), ...extra];
  const out: HubProblem[] = list.map((e) => {
    const ext = (e.extensions ?? {}) as Record<string, unknown>;
    return { code: String(ext.code ?? 'ERROR'), reason: ext.reason as string | undefined, message: e.message, path: e.path, extensions: ext };
  });
  if (error?.networkError) out.push({ code: 'NETWORK', message: 'The hub could not be reached; it will be retried.', extensions: {} });
  return out;
}

const RETRYABLE = new Set(['SUBGRAPH_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'NETWORK']);

export function Problems({ problems }: { problems: HubProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="problems">
      {problems.map((p, i) => (
        <p key={i}>
          <strong>{p.code}</strong>{p.reason ? ` (${p.reason})` : ''}: {p.message}
          {p.path ? <span className="muted"> — at {p.path.join('.')}</span> : null}
          {RETRYABLE.has(p.code) ? <span> Try again in a moment.</span> : null}
        </p>
      ))}
    </div>
  );
}
