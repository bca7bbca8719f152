// The public API of @mcp-stack/server-demo, by name.
export { DEFAULT_JOKE_API_URL, demoCli } from './cli.ts';
export { type RandomInt, secureRandomInt } from './random.ts';
export type { AppInfo } from './resources/app-info.ts';
export { createDemoServer, DEMO_NAME, type DemoDeps } from './server.ts';
export { VERSION } from './version.ts';
