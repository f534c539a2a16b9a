/**
 * Progress of long work (seeding, `metrics:rebuild`, an event consumer catching up):
 * counts, rate and an estimate of the time left, reported at most once per interval
 * (default 1 s) and once more at the end, so a long run says how far along it is
 * without flooding its output. Callers decide where a report goes (stdout or a log).
 */

export interface ProgressReport {
  label: string;
  done: number;
  /** Unknown (undefined) when the work cannot be counted ahead. */
  total?: number;
  unit: string;
  /** Items per second since the start. */
  rate: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds?: number;
  elapsedSeconds: number;
  final: boolean;
  /** The report in words: `seeding: 12,000/100,000 patients (12%), 3,400 patients/s, ~23 s left`. */
  line: string;
}

export interface ProgressOptions {
  label: string;
  unit: string;
  total?: number;
  report(r: ProgressReport): void;
  /** Shortest time between two reports (default 1000 ms). */
  everyMs?: number;
  now?: () => number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export interface Progress {
  /** Sets how many items are done (absolute, not an increment); reports when the interval has passed. */
  update(done: number, total?: number): void;
  /** Reports the final figures once. */
  finish(): void;
}

export function startProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const started = now();
  const everyMs = o.everyMs ?? 1000;
  let last = started;
  let done = 0;
  let total = o.total;
  let finished = false;

  const build = (final: boolean): ProgressReport => {
    const elapsedSeconds = Math.max((now() - started) / 1000, 1e-3);
    const rate = done / elapsedSeconds;
    const etaSeconds = total !== undefined && rate > 0 ? Math.max(0, (total - done) / rate) : undefined;
    const parts = [
      total !== undefined ? `${count(done)}/${count(total)} ${o.unit} (${total > 0 ? Math.floor((done / total) * 100) : 100}%)` : `${count(done)} ${o.unit}`,
      `${count(rate)} ${o.unit}/s`,
      final ? `done in ${formatDuration(elapsedSeconds)}` : etaSeconds !== undefined ? `~${formatDuration(etaSeconds)} left` : `${formatDuration(elapsedSeconds)} so far`,
    ];
    return { label: o.label, done, total, unit: o.unit, rate, etaSeconds, elapsedSeconds, final, line: `${o.label}: ${parts.join(', ')}` };
  };

  return {
    update(n, t) {
      done = n;
      if (t !== undefined) total = t;
      // Work that grew while it ran (events appended meanwhile): never more than 100 %.
      if (total !== undefined && done > total) total = done;
      const at = now();
      if (at - last < everyMs) return;
      last = at;
      o.report(build(false));
    },
    finish() {
      if (finished) return;
      finished = true;
      o.report(build(true));
    },
  };
}
