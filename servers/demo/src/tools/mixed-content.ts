import { defineTool } from '@mcp-stack/core';
import type { AppInfo } from '../resources/app-info.ts';

/** A 16x16 PNG, a blue and amber checkerboard (93 bytes). */
export const CHECKERBOARD_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAJElEQVR42mPQztkAR59WMsARLnGGQaiBGEXI4oNRw2g8DAoNAGKrcRDvtzZIAAAAAElFTkSuQmCC';

export function mixedContentTool(appInfo: () => AppInfo) {
  return defineTool({
    name: 'show_mixed_content',
    title: 'Show mixed content',
    description:
      'Returns text, a small image and an embedded resource in one result: how a tool answers with more than text.',
    input: {},
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    handler: () => [
      {
        type: 'text',
        text: 'A result can mix content: this text, the image after it, and the app-info resource embedded last.',
      },
      { type: 'image', data: CHECKERBOARD_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: { uri: 'demo://app-info', mimeType: 'application/json', text: JSON.stringify(appInfo()) },
      },
    ],
  });
}
