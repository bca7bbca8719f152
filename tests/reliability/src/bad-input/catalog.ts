// Reading a server's catalog (tools, prompts, resources) with plain JSON-RPC calls, and the
// normal calls that prove a server still answers correctly after the corpus.
import type { Catalog, JsonSchema } from './corpus.ts';
import type { ServerName } from './servers.ts';

/** A JSON-RPC answer, loosely typed: the callers check what they read. */
export interface RpcAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** One JSON-RPC call: resolves with the parsed answer message. */
export type Rpc = (method: string, params?: Record<string, unknown>) => Promise<RpcAnswer>;

async function listAll<T>(rpc: Rpc, method: string, key: string): Promise<T[] | undefined> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await rpc(method, cursor ? { cursor } : {});
    if (answer.error?.code === -32601) return undefined;
    if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
    items.push(...((answer.result?.[key] ?? []) as T[]));
    cursor = answer.result?.nextCursor as string | undefined;
    if (!cursor) return items;
  }
  throw new Error(`${method} did not end within 100 pages`);
}

export async function readCatalog(rpc: Rpc): Promise<Catalog> {
  const tools = await listAll<{ name: string; inputSchema: JsonSchema }>(rpc, 'tools/list', 'tools');
  if (!tools?.length) throw new Error('the server lists no tools');
  // resources/list may be long (every customer): its first page says whether there are resources
  const firstResources = await rpc('resources/list', {});
  return {
    tools,
    prompts: await listAll(rpc, 'prompts/list', 'prompts'),
    templates: await listAll(rpc, 'resources/templates/list', 'resourceTemplates'),
    resources:
      firstResources.error?.code === -32601
        ? undefined
        : (firstResources.result?.resources as Catalog['resources']),
  };
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

async function tool(rpc: Rpc, name: string, args: Record<string, unknown>) {
  const answer = await rpc('tools/call', { name, arguments: args });
  if (answer.error || answer.result?.isError)
    throw new Error(`${name} failed: ${JSON.stringify(answer.error ?? answer.result)}`);
  return answer.result?.structuredContent as Record<string, unknown>;
}

/**
 * A normal round trip for each server, checked exactly: right values and exactly the documented
 * keys (an injected key would show). Throws when anything is off.
 */
export async function normalRoundTrip(name: ServerName, rpc: Rpc): Promise<void> {
  const keys = (value: Record<string, unknown>) => Object.keys(value).sort();
  const expectKeys = (what: string, value: Record<string, unknown>, expected: string[]) => {
    if (JSON.stringify(keys(value)) !== JSON.stringify([...expected].sort()))
      throw new Error(`${what} has keys ${keys(value).join(',')}, expected ${expected.join(',')}`);
  };
  switch (name) {
    case 'demo': {
      const got = await tool(rpc, 'generate_random_number', { min_value: 7, max_value: 7 });
      if (JSON.stringify(got) !== '{"value":7}')
        throw new Error(`generate_random_number gave ${JSON.stringify(got)}`);
      const joke = await tool(rpc, 'fetch_joke', {});
      expectKeys('fetch_joke', joke, ['setup', 'punchline']);
      return;
    }
    case 'users': {
      const id = unique();
      const user = await tool(rpc, 'register_user', {
        username: `after_${id}`,
        email: `after-${id}@example.com`,
        password: 'a normal password',
      });
      expectKeys('register_user', user, ['id', 'username', 'email', 'created_at']);
      const again = await tool(rpc, 'get_user', { user_id: user.id });
      if (JSON.stringify(again) !== JSON.stringify(user))
        throw new Error(`get_user gave ${JSON.stringify(again)}`);
      return;
    }
    case 'customer-db': {
      const id = unique();
      const created = await tool(rpc, 'create_customer', {
        name: `After ${id}`,
        email: `after-${id}@example.com`,
      });
      expectKeys('create_customer', created, ['id', 'name', 'email', 'status', 'created_at', 'updated_at']);
      const again = await tool(rpc, 'get_customer', { customer_id: created.id });
      if (JSON.stringify(again) !== JSON.stringify(created))
        throw new Error(`get_customer gave ${JSON.stringify(again)}`);
      const found = await tool(rpc, 'search_customers', { query: `After ${id}` });
      if (JSON.stringify(found.customers) !== JSON.stringify([created]))
        throw new Error(`search_customers gave ${JSON.stringify(found)}`);
      const order = await tool(rpc, 'get_order', { order_id: '1234' });
      expectKeys('get_order', order, [
        'id',
        'customer_id',
        'customer_name',
        'status',
        'total_cents',
        'currency',
        'created_at',
        'updated_at',
      ]);
      return;
    }
  }
}
