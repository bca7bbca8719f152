import { fileURLToPath } from 'node:url';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { Client, spawnStdio } from './testing.ts';

const PEER = fileURLToPath(new URL('./test-fixtures/one-chunk-progress.ts', import.meta.url));

async function progressOf(client: Client): Promise<number[]> {
  const seen: number[] = [];
  await client.callTool({ name: 'anything', arguments: {} }, undefined, {
    onprogress: (p) => seen.push(p.progress),
  });
  return seen;
}

describe('the test clients and progress read in one chunk with its result', () => {
  it('spawnStdio delivers every progress notification before the result', async () => {
    const peer = await spawnStdio(process.execPath, [PEER]);
    try {
      expect(await progressOf(peer.client)).toEqual([1, 2, 3]);
    } finally {
      await peer.close();
    }
  });

  // Why deliverResponsesLast exists: when this starts failing, the SDK client no longer drops
  // them, and the workaround (and SETTLE_MS in dispatch.ts) can go.
  it('the plain SDK v1 client drops them (the race the helper works around)', async () => {
    const client = new Client({ name: 'plain', version: '0.0.0' }, { capabilities: {} });
    client.onerror = () => {}; // it reports each dropped notification as an unknown token
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [PEER] }));
    try {
      expect(await progressOf(client)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
