/** The gateway for the live benchmarks, alone in its process so its memory and CPU can be measured (IPC: 'memory' → after a full GC; 'live' → subscription groups, subscribers, those still catching up, and the live layer's counters so far). */
import 'reflect-metadata';
import { startGateway } from '../gateway/server';

async function main(): Promise<void> {
  const gateway = await startGateway({ port: 0, databaseUrl: process.env.DATABASE_URL!, redisUrl: null });
  process.send!({ type: 'listening', url: gateway.url });
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'memory') {
      for (let i = 0; i < 3; i++) (global as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      process.send!({ type: 'memory', rss: u.rss, heapUsed: u.heapUsed, external: u.external, connections: gateway.subscriptions().subscriberCount });
    } else if (m.cmd === 'live') {
      const live = gateway.subscriptions();
      process.send!({ type: 'live', groups: live.groupCount, subscribers: live.subscriberCount, catchingUp: live.catchingUpCount, ...live.stats });
    } else if (m.cmd === 'stop') {
      await gateway.stop();
      process.exit(0);
    }
  });
}

void main();
