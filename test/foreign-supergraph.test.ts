/**
 * The gateway on any supergraph (issue 16): SUPERGRAPH_PATH pointed at a supergraph
 * that is not the project's — two toy subgraphs (test/fixtures/foreign-supergraph),
 * no partner tags, no live subgraph, no /ready, and an event-log database nobody has
 * migrated. /graphql must serve it (a query planned across both subgraphs), and
 * /partner/graphql answer a clear NO_PARTNER_CONTRACT instead of the gateway dying
 * at start-up with ContractError.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintDevToken, Role } from '../shared/auth';
import { buildContractSupergraph, NoContractError } from '../gateway/partner-contract';
import { startGateway, type RunningGateway } from '../gateway/server';
import { createTestDatabase, postGraphQL } from './support/hub';
import { composeForeignSupergraph, startToySubgraphs, type ToySubgraphs } from './fixtures/foreign-supergraph/subgraphs';

let toys: ToySubgraphs;
let gateway: RunningGateway;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
const previousPath = process.env.SUPERGRAPH_PATH;

beforeAll(async () => {
  toys = await startToySubgraphs();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foreign-supergraph-'));
  const file = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(file, composeForeignSupergraph(toys.urls));
  process.env.SUPERGRAPH_PATH = file;
  db = await createTestDatabase(); // empty: no hub_events schema
  gateway = await startGateway({ port: 0, databaseUrl: db.url, redisUrl: null });
});

afterAll(async () => {
  await gateway?.stop();
  await toys?.stop();
  await db?.drop();
  if (previousPath === undefined) delete process.env.SUPERGRAPH_PATH;
  else process.env.SUPERGRAPH_PATH = previousPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('the foreign supergraph has no partner contract (NoContractError, not a generic ContractError)', () => {
  expect(() => buildContractSupergraph(composeForeignSupergraph(toys.urls))).toThrow(NoContractError);
});

it('/graphql answers a query planned across both toy subgraphs', async () => {
  const token = await mintDevToken({ sub: 'foreign-admin', roles: [Role.ADMIN] });
  const res = await postGraphQL<any>(gateway.url, '{ topProducts { upc name reviews { body product { name } } } }', undefined, token);
  expect(res.errors).toBeUndefined();
  expect(res.data).toEqual({
    topProducts: [
      { upc: '1', name: 'Table', reviews: [{ body: 'Sturdy', product: { name: 'Table' } }, { body: 'Wobbles a bit', product: { name: 'Table' } }] },
      { upc: '2', name: 'Couch', reviews: [{ body: 'Comfortable', product: { name: 'Couch' } }] },
    ],
  });
  // The gateway's own front door still holds: no token, no answer.
  const anonymous = await postGraphQL<any>(gateway.url, '{ topProducts { upc } }', undefined, null);
  expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});

it('/partner/graphql answers NOT_FOUND with reason NO_PARTNER_CONTRACT', async () => {
  const token = await mintDevToken({ sub: 'foreign-partner', roles: [Role.PARTNER_STAFF], org: 'some-org' });
  const res = await postGraphQL<any>(gateway.url.replace(/\/graphql$/, '/partner/graphql'), '{ topProducts { upc } }', undefined, token);
  expect(res.status).toBe(404);
  expect(res.data).toBeUndefined();
  expect(res.errors).toEqual([
    expect.objectContaining({
      message: expect.stringContaining('no partner contract in this supergraph'),
      extensions: { code: 'NOT_FOUND', reason: 'NO_PARTNER_CONTRACT' },
    }),
  ]);
});

it('/ready is 200, and says the event feed waits for a migrated event log (subscriptions only)', async () => {
  const res = await fetch(gateway.url.replace(/\/graphql$/, '/ready'));
  const body = (await res.json()) as { checks: Record<string, string> };
  expect(body.checks).toEqual(expect.objectContaining({ eventLog: 'ok', products: 'ok', reviews: 'ok', eventFeed: 'the event log is not migrated yet' }));
  expect(res.status).toBe(200);
});
