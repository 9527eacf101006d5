// Kept equal to package.json's version by a test; sent in the User-Agent so Cloudflare support can
// tell which release made a request.
const ACTION_NAME = 'cloudflare-mcp-sync-action';
export const ACTION_VERSION = '1.0.0';
export const USER_AGENT = `${ACTION_NAME}/${ACTION_VERSION}`;
