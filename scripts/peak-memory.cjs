// Preloaded by `npm run bench` (`node --require scripts/peak-memory.cjs …`) into both the action
// and a bare `node -e 0`, so both are measured the same way: at exit, writes the process's peak
// resident set size (`process.resourceUsage().maxRSS`, in KiB) to the file named by
// BENCH_PEAK_RSS_FILE. Without that variable it does nothing.
'use strict';
const { writeFileSync } = require('node:fs');
const process = require('node:process');

const file = process.env.BENCH_PEAK_RSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // A measurement aid must never change how the measured process ends.
    }
  });
}
