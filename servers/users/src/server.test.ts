import { type Connected, connectInMemory, errorDataOf } from '@mcp-stack/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createUsersServer } from './server.ts';
import { textOf } from './test-fixtures/results.ts';
import { createUsersApiClient } from './users-api.ts';

// an address nothing listens on: these tests must not reach the API
const api = createUsersApiClient({ baseUrl: 'http://127.0.0.1:9', retries: 0, timeoutMs: 500 });
let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = undefined;
});

describe('the users server definition', () => {
  it('lists the five tools with input and output schemas and annotations', async () => {
    connected = await connectInMemory(createUsersServer({ api }));
    const { tools } = await connected.client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    // by name: the same order on every process (core sorts tools/list)
    expect(Object.keys(byName)).toEqual([
      'delete_user',
      'get_user',
      'list_users',
      'register_user',
      'update_user',
    ]);
    expect(byName.register_user?.inputSchema).toMatchObject({
      required: ['username', 'email', 'password'],
      additionalProperties: false,
    });
    // the contract's id: a number or its digits as a string
    expect(byName.get_user?.inputSchema).toMatchObject({
      properties: {
        user_id: {
          anyOf: [
            { type: 'integer', minimum: 1 },
            { type: 'string', pattern: '^[0-9]{1,16}$' },
          ],
        },
      },
    });
    // the users API's own rules, before a call
    expect(byName.register_user?.inputSchema).toMatchObject({
      properties: {
        username: { type: 'string', pattern: '^[a-z0-9_.-]{3,32}$' },
        email: { type: 'string', format: 'email', maxLength: 254 },
        password: { type: 'string', minLength: 8, maxLength: 1024 },
      },
    });
    expect(byName.update_user?.inputSchema).toMatchObject({
      properties: { password: { minLength: 8, maxLength: 1024 }, email: { format: 'email' } },
    });
    expect(byName.list_users?.inputSchema).toMatchObject({
      properties: { limit: { minimum: 1, maximum: 100, default: 20 }, cursor: {}, query: {} },
    });
    expect(byName.list_users?.inputSchema.required ?? []).toEqual([]);
    expect(byName.update_user?.inputSchema.required).toEqual(['user_id']);
    const user = { type: 'object', required: ['id', 'username', 'email', 'created_at'] };
    expect(byName.get_user?.outputSchema).toMatchObject(user);
    expect(byName.list_users?.outputSchema).toMatchObject({ required: ['users', 'next_cursor'] });
    expect(byName.delete_user?.outputSchema).toMatchObject({ required: ['id', 'deleted'] });

    // all four hints on every tool; the users API is this deployment's own: never open world
    const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
    expect(byName.get_user?.annotations).toMatchObject(read);
    expect(byName.list_users?.annotations).toMatchObject(read);
    expect(byName.register_user?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    });
    // an update overwrites the old email or password: destructive
    expect(byName.update_user?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(byName.delete_user?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    });
    // no tool takes or returns a password in its output
    for (const tool of tools) expect(JSON.stringify(tool.outputSchema ?? {})).not.toContain('password');
  });

  it('asks for users:read to read and users:write to change, before calling the API', async () => {
    connected = await connectInMemory(createUsersServer({ api }), {
      caller: { clientId: 'reader', scopes: ['users:read'] },
    });
    const write = await connected.client.callTool({
      name: 'delete_user',
      arguments: { user_id: 1 },
    });
    expect(textOf(write)).toBe('FORBIDDEN: delete_user needs the scope users:write');
    for (const name of ['register_user', 'update_user']) {
      const result = await connected.client.callTool({ name, arguments: {} });
      expect(textOf(result)).toBe(`FORBIDDEN: ${name} needs the scope users:write`);
    }
    await connected.close();
    connected = await connectInMemory(createUsersServer({ api }), {
      caller: { clientId: 'writer', scopes: ['users:write'] },
    });
    const read = await connected.client.callTool({ name: 'list_users', arguments: {} });
    expect(textOf(read)).toBe('FORBIDDEN: list_users needs the scope users:read');
  });

  it('refuses bad arguments naming the field, before calling the API', async () => {
    connected = await connectInMemory(createUsersServer({ api }));
    const result = await connected.client.callTool({ name: 'get_user', arguments: { user_id: 'abc' } });
    expect(textOf(result)).toMatch(/^INVALID_INPUT: invalid arguments for get_user: user_id: /);
    expect(errorDataOf(result)).toMatchObject({ code: 'INVALID_INPUT', fields: ['user_id'] });
    const short = await connected.client.callTool({
      name: 'register_user',
      arguments: { username: 'ada', email: 'ada@example.com', password: 'short' },
    });
    expect(textOf(short)).toMatch(/password: expected at least 8 characters/);
    expect(errorDataOf(short)).toMatchObject({ fields: ['password'] });
    const update = await connected.client.callTool({ name: 'update_user', arguments: { user_id: 1 } });
    expect(textOf(update)).toBe('INVALID_INPUT: nothing to change: give email and/or password');
    expect(errorDataOf(update)).toMatchObject({ fields: ['email', 'password'] });
  });
});
