// Preloaded by `npm run bench` (`node --require scripts/peak-memory.cjs …`) into every process it
// measures, the action and a bare `node -e 0` alike, so that all are measured the same way. When
// BENCH_PROBE_FILE names a file, it writes `{"pid"}` there at once (so that the bench can signal
// the process) and, at exit, `{"pid", "maxRssKb", "cpuMs"}`: the peak resident set size and the
// user plus system CPU time, from `process.resourceUsage()`. Without that variable it does nothing.
'use strict';
const { writeFileSync } = require('node:fs');
const process = require('node:process');

const file = process.env.BENCH_PROBE_FILE;
if (file !== undefined && file !== '') {
  const write = (report) => {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, ...report }));
    } catch {
      // A measurement aid must never change how the measured process ends.
    }
  };
  write({});
  process.on('exit', () => {
    const usage = process.resourceUsage();
    write({ maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 });
  });
}
