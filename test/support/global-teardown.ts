import type { EmbeddedDatabase } from '../../shared/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __hubTestPostgres?: EmbeddedDatabase }).__hubTestPostgres?.stop();
}
