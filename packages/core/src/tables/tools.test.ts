import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTables } from '../dispatch.ts';
import { silentLogger } from '../logger.ts';
import { defineServer, defineTool } from '../server.ts';

const serverWith = (input: z.ZodRawShape) =>
  defineServer({
    name: 'headers',
    version: '1.0.0',
    tools: [defineTool({ name: 'call_region', description: 'Uses a region.', input, handler: () => 'ok' })],
  });

describe('x-mcp-header parameters', () => {
  it('are found through properties, nested ones included', () => {
    const tables = buildTables(
      serverWith({
        region: z.string().meta({ 'x-mcp-header': 'Region' }),
        options: z.object({ dry_run: z.boolean().meta({ 'x-mcp-header': 'Dry-Run' }) }),
      }),
    );
    expect(tables.toolHeaders('call_region')).toEqual([
      { header: 'Region', path: ['region'] },
      { header: 'Dry-Run', path: ['options', 'dry_run'] },
    ]);
    expect(tables.toolHeaders('no_such_tool')).toEqual([]);
  });

  it.each([
    [
      'a name that is not a token',
      { region: z.string().meta({ 'x-mcp-header': 'Re gion' }) },
      /not a valid header name/,
    ],
    [
      'a name used twice, whatever its case',
      {
        a: z.string().meta({ 'x-mcp-header': 'Region' }),
        b: z.string().meta({ 'x-mcp-header': 'REGION' }),
      },
      /used twice/,
    ],
    ['a number parameter', { ratio: z.number().meta({ 'x-mcp-header': 'Ratio' }) }, /not number/],
  ])('fail at start-up for %s, naming the tool', (_name, input, message) => {
    expect(() => buildTables(serverWith(input))).toThrow(message);
    expect(() => buildTables(serverWith(input))).toThrow(/tool call_region/);
  });
});

describe('tools/list', () => {
  const tool = (name: string) =>
    defineTool({
      name,
      description: `The ${name} tool.`,
      input: { n: z.number().int().describe('a number') },
      output: z.object({ n: z.number().int() }),
      handler: ({ n }) => ({ n }),
    });
  const list = async (names: string[]) => {
    const tables = buildTables(defineServer({ name: 'order', version: '1.0.0', tools: names.map(tool) }));
    const env = { requestId: 1, signal: new AbortController().signal, logger: silentLogger(), session: {} };
    return (await tables.handle('tools/list', {}, env as never)) as {
      tools: Array<{ name: string; inputSchema: unknown; outputSchema: unknown }>;
    };
  };

  it('lists tools by name, whatever order the definition built them in', async () => {
    const one = await list(['update_b', 'get_a', 'list_c']);
    const other = await list(['list_c', 'get_a', 'update_b']);
    expect(one.tools.map((t) => t.name)).toEqual(['get_a', 'list_c', 'update_b']);
    expect(other).toEqual(one);
  });

  it('lists integers without the ±2^53 bounds zod writes for .int()', async () => {
    const { tools } = await list(['get_a']);
    expect(tools[0]?.inputSchema).toMatchObject({ properties: { n: { type: 'integer' } } });
    expect(JSON.stringify(tools)).not.toContain('9007199254740991');
  });
});
