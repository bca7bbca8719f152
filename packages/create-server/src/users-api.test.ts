import { connectInMemory } from '@mcp-stack/core/testing';
import { type RunningUsersApi, startUsersApi } from '@mcp-stack/users-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApi } from './openapi/load.ts';
import { mapOpenApi } from './openapi/map.ts';
import { importGenerated } from './test-fixtures/helpers.ts';

const KEY = 'users-api-test-key-0001';
let api: RunningUsersApi;
beforeAll(async () => {
  api = await startUsersApi({ dbPath: ':memory:', port: 0, apiKey: KEY });
});
afterAll(() => api.close());

describe("a server generated from users-api's /openapi.json", () => {
  it('registers, gets, lists and deletes a user against the real users-api', async () => {
    const mapping = mapOpenApi(
      await loadOpenApi(`${api.url}/openapi.json`, (url, init) =>
        fetch(url, { ...init, headers: { authorization: `Bearer ${KEY}` } }),
      ),
      {
        exclude: ['health', 'openapi'],
      },
    );
    expect(mapping.warnings).toEqual([]);
    const generated = await importGenerated('users-gen', mapping);
    const { client, close } = await connectInMemory(generated.definition(api.url, KEY));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => [t.name, t.annotations?.readOnlyHint, t.annotations?.destructiveHint])).toEqual(
        [
          ['register_user', false, false],
          ['verify_password', false, false],
          ['list_users', true, undefined],
          ['get_user', true, undefined],
          ['update_user', false, false],
          ['delete_user', false, true],
        ],
      );

      const registered = await client.callTool({
        name: 'register_user',
        arguments: { username: 'ada', email: 'ada@example.com', password: 'correct horse battery' },
      });
      expect(registered.isError).toBeFalsy();
      const user = registered.structuredContent as {
        id: number;
        username: string;
        email: string;
        created_at: string;
      };
      expect(user).toMatchObject({ id: expect.any(Number), username: 'ada', email: 'ada@example.com' });

      const got = await client.callTool({ name: 'get_user', arguments: { id: user.id } });
      expect(got.structuredContent).toEqual(user);

      const listed = await client.callTool({ name: 'list_users', arguments: { q: 'ada' } });
      expect(listed.structuredContent).toEqual({ users: [user], next_cursor: null });

      const taken = await client.callTool({
        name: 'register_user',
        arguments: { username: 'ada', email: 'other@example.com', password: 'correct horse battery' },
      });
      expect(taken.isError).toBe(true);
      expect(JSON.stringify(taken.content)).toContain('CONFLICT');

      const deleted = await client.callTool({ name: 'delete_user', arguments: { id: user.id } });
      expect(deleted.isError).toBeFalsy();
      const gone = await client.callTool({ name: 'get_user', arguments: { id: user.id } });
      expect(gone.isError).toBe(true);
      expect(JSON.stringify(gone.content)).toContain('NOT_FOUND');
    } finally {
      await close();
      generated.remove();
    }
  });
});
