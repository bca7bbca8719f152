// Tasks over core's HTTP server: the limits serveHttp is given, /metrics, and what shutdown does
// to a task still running. Raw modern-era POSTs, as any 2026-07-28 client sends them.
import { describe, expect, it } from 'vitest';
import { defineServer, defineTool } from '../server.ts';
import { serveForTest } from '../testing.ts';
import { TASKS_EXTENSION } from './wire.ts';

type Json = Record<string, any>;

function server(signals: AbortSignal[]) {
  return defineServer({
    name: 'tasks-http',
    version: '1.0.0',
    tools: [
      defineTool({
        name: 'wait',
        description: 'waits until cancelled',
        input: {},
        task: 'optional',
        handler: async (_args, ctx) => {
          signals.push(ctx.signal);
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
          return 'stopped';
        },
      }),
    ],
  });
}

async function post(url: string, method: string, params: Json, name?: string): Promise<Json> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(name !== undefined && { 'mcp-name': name }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
        },
      },
    }),
  });
  return (await response.json()) as Json;
}

describe('tasks over HTTP', () => {
  it('counts tasks in /metrics and refuses past the per-caller bound it was given', async () => {
    const signals: AbortSignal[] = [];
    const served = await serveForTest(server(signals), { tasks: { maxPerCaller: 1 } });
    try {
      const created = await post(served.url, 'tools/call', { name: 'wait', arguments: {} }, 'wait');
      expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
      const refused = await post(served.url, 'tools/call', { name: 'wait', arguments: {} }, 'wait');
      expect(refused.result.content[0].text).toMatch(/^RATE_LIMITED: you have 1 unfinished tasks/);

      let metrics = await (await fetch(`${served.ops}/metrics`)).text();
      expect(metrics).toMatch(/^mcp_tasks_created_total 1$/m);
      expect(metrics).toMatch(/^mcp_tasks_open 1$/m);

      const { taskId } = created.result;
      expect((await post(served.url, 'tasks/cancel', { taskId }, taskId)).result).toMatchObject({
        resultType: 'complete',
      });
      expect(signals[0]?.aborted).toBe(true);
      metrics = await (await fetch(`${served.ops}/metrics`)).text();
      expect(metrics).toMatch(/^mcp_tasks_finished_total\{status="cancelled"\} 1$/m);
      expect(metrics).toMatch(/^mcp_tasks_open 0$/m);
    } finally {
      await served.close();
    }
  });

  it('cancels a running task when the server shuts down', async () => {
    const signals: AbortSignal[] = [];
    const served = await serveForTest(server(signals));
    const created = await post(served.url, 'tools/call', { name: 'wait', arguments: {} }, 'wait');
    expect(created.result.resultType).toBe('task');
    expect(await served.close()).toBe(true);
    expect(signals[0]?.aborted).toBe(true);
  });
});
