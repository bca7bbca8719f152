import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTables } from '../dispatch.ts';
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
