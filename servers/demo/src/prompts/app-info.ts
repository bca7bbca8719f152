import { definePrompt } from '@mcp-stack/core';
import type { AppInfo } from '../resources/app-info.ts';

/** A prompt that embeds a resource: the model gets demo://app-info with the question. */
export function explainAppPrompt(appInfo: () => AppInfo) {
  return definePrompt({
    name: 'explain_app_info',
    title: 'Explain the app info',
    description:
      'Asks the model to explain this server from its demo://app-info resource, embedded in the prompt.',
    get: () => [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: {
            uri: 'demo://app-info',
            mimeType: 'application/json',
            text: JSON.stringify(appInfo()),
          },
        },
      },
      {
        role: 'user',
        content: {
          type: 'text',
          text: 'Explain in two sentences what this application is and which environment it runs in.',
        },
      },
    ],
  });
}
