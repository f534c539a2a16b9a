/**
 * Composes the supergraph from the subgraphs' own SDL with @apollo/composition.
 * The build runs it (scripts/compose.ts) and fails on any composition error.
 */
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { config, SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import type { SubgraphModule } from '../shared/subgraph';
import { LIVE_SDL, LIVE_SUBGRAPH, LIVE_SUBGRAPH_URL } from './live/schema';

export interface SubgraphSdl { name: SubgraphName | typeof LIVE_SUBGRAPH; url: string; sdl: string }

/** The four subgraphs' SDL, plus the gateway's own live (subscriptions) subgraph. */
export async function subgraphSdls(modules: Record<SubgraphName, SubgraphModule>, urls?: Partial<Record<SubgraphName, string>>): Promise<SubgraphSdl[]> {
  const subgraphs = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => ({
      name,
      url: urls?.[name] ?? config.subgraphUrl(name),
      sdl: printSubgraphSchema(await modules[name].buildSchema()),
    })),
  );
  return [...subgraphs, { name: LIVE_SUBGRAPH, url: LIVE_SUBGRAPH_URL, sdl: LIVE_SDL }];
}

export class CompositionError extends Error {}

export function composeSupergraph(subgraphs: SubgraphSdl[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) {
    throw new CompositionError(`Supergraph composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
