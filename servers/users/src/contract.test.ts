// The agent contract (core's README): the check on the definition, and an agent's session against
// a real users-api, then against one that stopped.
import {
  type Connected,
  connectInMemory,
  errorDataOf,
  expectAgentContract,
  textOf,
} from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from './schemas.ts';
import { createUsersServer } from './server.ts';
import { API_KEY, startTestUsersApi, type TestUsersApi } from './test-fixtures/users-api.ts';
import { createUsersApiClient } from './users-api.ts';

let api: TestUsersApi;
let connected: Connected;
const answers: unknown[] = [];
const call = async (name: string, args: Record<string, unknown>) => {
  const result = await connected.client.callTool({ name, arguments: args });
  answers.push(result);
  return result;
};

beforeAll(async () => {
  api = await startTestUsersApi();
  const client = createUsersApiClient({ baseUrl: api.url, apiKey: API_KEY, retry: { baseDelayMs: 1 } });
  connected = await connectInMemory(createUsersServer({ api: client }));
});
afterAll(async () => {
  await connected?.close();
  await api?.stop();
});

describe('the agent contract', () => {
  it('holds for the users definition (no tool reaches the open world: the API is our own)', () => {
    expectAgentContract(createUsersServer({ api: createUsersApiClient({ baseUrl: 'http://127.0.0.1:9' }) }));
  });

  it('an agent session: ids as numbers and strings, errors as data, no upstream address anywhere', async () => {
    answers.push(await connected.client.listTools());
    const registered = await call('register_user', {
      username: 'agent_1',
      email: 'agent1@example.com',
      password: 'a-long-enough-password',
    });
    const user = registered.structuredContent as UserRecord;
    // the same user, by its id as a JSON number and as a digit string
    const byNumber = await call('get_user', { user_id: user.id });
    const byString = await call('get_user', { user_id: String(user.id) });
    expect(byNumber.structuredContent).toEqual(user);
    expect(byString.structuredContent).toEqual(user);
    const updated = await call('update_user', { user_id: String(user.id), email: 'agent1+new@example.com' });
    expect(updated.structuredContent).toMatchObject({ id: user.id, email: 'agent1+new@example.com' });

    // a bad argument: the code and the field as data, as well as text
    const bad = await call('get_user', { user_id: 'abc' });
    expect(errorDataOf(bad)).toMatchObject({ code: 'INVALID_INPUT', fields: ['user_id'], retryable: false });
    // the API's own refusal keeps its field too
    const taken = await call('register_user', {
      username: 'agent_1',
      email: 'other@example.com',
      password: 'a-long-enough-password',
    });
    expect(errorDataOf(taken)).toMatchObject({ code: 'CONFLICT', fields: ['username'] });
    const missing = await call('get_user', { user_id: '999999' });
    expect(errorDataOf(missing)).toMatchObject({ code: 'NOT_FOUND', fields: ['user_id'] });

    const deleted = await call('delete_user', { user_id: String(user.id) });
    expect(deleted.structuredContent).toEqual({ id: user.id, deleted: true });

    // the API stops: the agent is told to retry, with a ref, never where the API is
    await api.stop();
    const down = await call('list_users', {});
    expect(textOf(down)).toMatch(/^UPSTREAM_ERROR: the users API is unavailable/);
    expect(errorDataOf(down)).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      ref: expect.any(String),
    });

    const { host } = new URL(api.url);
    for (const answer of answers) {
      const text = JSON.stringify(answer);
      expect(text).not.toContain(host);
      expect(text).not.toMatch(/https?:\/\/|127\.0\.0\.1/);
    }
  });
});
