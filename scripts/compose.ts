/** `npm run compose` (part of `npm run build`): writes supergraph.graphql, or fails the build. */
import 'reflect-metadata';
import fs from 'node:fs';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { config } from '../shared/config';
import { SUBGRAPHS } from '../subgraphs';

async function main(): Promise<void> {
  const supergraph = composeSupergraph(await subgraphSdls(SUBGRAPHS));
  fs.writeFileSync(config.supergraphPath, supergraph);
  console.log(`Composed the ${Object.keys(SUBGRAPHS).length} subgraphs and the gateway's live subgraph into ${config.supergraphPath}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
