// A real users-api for tests: in-process, on a free port, over a temp SQLite file, with cheap hashes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@mcp-stack/core';
import { type RunningUsersApi, startUsersApi } from '@mcp-stack/users-api';

export const API_KEY = 'users-api-test-key-0123456789';

export interface TestUsersApi extends RunningUsersApi {
  /** Stops the API and removes its database folder. */
  stop(): Promise<void>;
}

export async function startTestUsersApi(options: { logger?: Logger } = {}): Promise<TestUsersApi> {
  const dir = mkdtempSync(join(tmpdir(), 'server-users-'));
  const running = await startUsersApi({
    dbPath: join(dir, 'users.sqlite'),
    port: 0,
    apiKey: API_KEY,
    scrypt: { N: 1024, r: 8, p: 1 },
    ...(options.logger && { logger: options.logger }),
  });
  return {
    ...running,
    async stop() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
