import { formatDuration, startProgress, type ProgressReport } from './progress';

describe('progress reports', () => {
  it('reports counts, rate and time left at most once per interval, and once at the end', () => {
    let t = 0;
    const reports: ProgressReport[] = [];
    const p = startProgress({ label: 'seeding', unit: 'patients', total: 1000, report: (r) => reports.push(r), now: () => t });
    t = 500; p.update(100);   // within the first second: nothing yet
    t = 1000; p.update(200);  // 200 in 1 s: 200/s, 800 left = 4 s
    t = 1500; p.update(300);  // throttled
    t = 2000; p.update(500);
    t = 4000; p.update(1000);
    p.finish();
    p.finish();
    expect(reports.map((r) => r.done)).toEqual([200, 500, 1000, 1000]);
    expect(reports[0]).toMatchObject({ rate: 200, etaSeconds: 4, final: false });
    expect(reports[0].line).toBe('seeding: 200/1,000 patients (20%), 200 patients/s, ~4 s left');
    expect(reports[3]).toMatchObject({ final: true, rate: 250 });
    expect(reports[3].line).toBe('seeding: 1,000/1,000 patients (100%), 250 patients/s, done in 4 s');
  });

  it('says how far along it is without a total', () => {
    let t = 0;
    const lines: string[] = [];
    const p = startProgress({ label: 'replay', unit: 'events', report: (r) => lines.push(r.line), now: () => t });
    t = 2000; p.update(5000);
    expect(lines).toEqual(['replay: 5,000 events, 2,500 events/s, 2 s so far']);
  });

  it('formats durations', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7260)).toBe('2 h 1 min');
  });
});
