// How a duration reads in a log line or a message: `0.4 s`, `12 s`. Here, apart from the API
// client, so that pure modules can word their messages without loading an HTTP stack.
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
}
