// The action's entry point: settings in, a synced fleet and its report out. The runner cancels a
// job with SIGINT, then SIGTERM; either stops the run, which then reports what it has.
import * as core from '@actions/core';
import { CloudflareApi } from './api/cloudflare-api.js';
import { systemClock, type Clock } from './clock.js';
import { credentialsHint, syncFleet } from './fleet/fleet.js';
import { InputError, readSettings, type Settings } from './inputs/inputs.js';
import { ListError } from './readings/server-list.js';
import { reportFatal, reportFleet } from './report/report.js';
import { RateLimitGate } from './api/rate-limit.js';
import { RunStop } from './run-stop.js';
import { oneLine } from './untrusted-text.js';

export interface RunOptions {
  clock?: Clock;
  random?: () => number;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export async function run({
  clock = systemClock,
  random = Math.random,
}: RunOptions = {}): Promise<void> {
  const startedMs = clock.now();
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (error) {
    if (error instanceof InputError) return reportFatal(error.message);
    return reportFatal(`could not read the inputs: ${errorMessage(error)}`);
  }
  const runStop = new RunStop();
  const cancel = (signal: NodeJS.Signals): void =>
    runStop.stop('cancelled', `the run was cancelled (${signal})`);
  for (const signal of SIGNALS) process.on(signal, cancel);
  const api = new CloudflareApi(settings, new RateLimitGate(clock), runStop);
  try {
    const report = await syncFleet(settings, api, {
      settings,
      clock,
      random,
      deadlineMs: startedMs + settings.timeoutMs,
      runStop,
      // Lines carry ids and messages from the network: one line each, always.
      log: (line) => core.info(oneLine(line, 1000)),
      warn: (message) => core.warning(oneLine(message)),
    });
    await reportFleet(report);
  } catch (error) {
    // A stack trace helps nobody reading a workflow log; the message says what failed.
    const message =
      error instanceof ListError ? error.message : `unexpected failure: ${errorMessage(error)}`;
    await reportFatal(
      runStop.reason?.kind === 'credentials' ? `${message}: ${credentialsHint(settings)}` : message,
    );
  } finally {
    for (const signal of SIGNALS) process.off(signal, cancel);
    api.dispose();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
