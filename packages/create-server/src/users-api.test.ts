import { connectInMemory, errorDataOf, expectAgentContract } from '@mcp-stack/core/testing';
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
  it('maps every operation, keeps the agent contract, and registers, gets, lists and deletes a user', async () => {
    // every operation of the document, none excluded
    const mapping = mapOpenApi(
      await loadOpenApi(`${api.url}/openapi.json`, (url, init) =>
        fetch(url, { ...init, headers: { authorization: `Bearer ${KEY}` } }),
      ),
    );
    expect(mapping.warnings).toEqual([]);
    const generated = await importGenerated('users-gen', mapping);
    // GET /openapi.json answers a JSON map, not an object with fields: JSON text, no output schema
    expectAgentContract(generated.definition(api.url, KEY), { contentTools: ['get_openapi'] });
    const { client, close } = await connectInMemory(generated.definition(api.url, KEY));
    const answers: unknown[] = [];
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      answers.push(result);
      return result;
    };
    try {
      const { tools } = await client.listTools();
      // by name; a verb first (health → get_health); all four hints; an overwriting PATCH is destructive
      expect(
        tools.map((t) => [
          t.name,
          t.annotations?.readOnlyHint,
          t.annotations?.destructiveHint,
          t.annotations?.idempotentHint,
          t.annotations?.openWorldHint,
        ]),
      ).toEqual([
        ['delete_user', false, true, true, false],
        ['get_health', true, false, true, false],
        ['get_openapi', true, false, true, false],
        ['get_user', true, false, true, false],
        ['list_users', true, false, true, false],
        ['register_user', false, false, false, false],
        ['update_user', false, true, false, false],
        ['verify_password', false, false, false, false],
      ]);
      // the API's rules reach the agent: the password is 8 to 1024 characters
      expect(tools.find((t) => t.name === 'register_user')?.inputSchema.properties).toMatchObject({
        password: { type: 'string', minLength: 8, maxLength: 1024 },
      });

      const registered = await call('register_user', {
        username: 'ada',
        email: 'ada@example.com',
        password: 'correct horse battery',
      });
      expect(registered.isError).toBeFalsy();
      const user = registered.structuredContent as {
        id: number;
        username: string;
        email: string;
        created_at: string;
      };
      expect(user).toMatchObject({ id: expect.any(Number), username: 'ada', email: 'ada@example.com' });

      // the id as a number and as its digits
      const got = await call('get_user', { id: user.id });
      expect(got.structuredContent).toEqual(user);
      const gotByString = await call('get_user', { id: String(user.id) });
      expect(gotByString.structuredContent).toEqual(user);

      const listed = await call('list_users', { q: 'ada' });
      expect(listed.structuredContent).toEqual({ users: [user], next_cursor: null });

      const taken = await call('register_user', {
        username: 'ada',
        email: 'other@example.com',
        password: 'correct horse battery',
      });
      expect(errorDataOf(taken)).toMatchObject({ code: 'CONFLICT' });
      const short = await call('register_user', {
        username: 'bob',
        email: 'bob@example.com',
        password: 'short',
      });
      expect(errorDataOf(short)).toMatchObject({ code: 'INVALID_INPUT', fields: ['password'] });

      // a delete says what it deleted
      const deleted = await call('delete_user', { id: String(user.id) });
      expect(deleted.structuredContent).toEqual({ deleted: true, id: user.id });
      const gone = await call('get_user', { id: user.id });
      expect(errorDataOf(gone)).toMatchObject({ code: 'NOT_FOUND' });
      // where the API is stays in the server's log
      for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(new URL(api.url).host);
    } finally {
      await close();
      generated.remove();
    }
  });
});
