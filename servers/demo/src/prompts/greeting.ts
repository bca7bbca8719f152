import { definePrompt } from '@mcp-stack/core';
import { z } from 'zod';

export const SUGGESTED_NAMES = ['Ada', 'Alan', 'Barbara', 'Grace', 'Katherine', 'Linus', 'Margaret'];

export function greetingPrompt() {
  return definePrompt({
    name: 'greeting_prompt',
    title: 'Greeting',
    description: 'Asks the model for a warm, concise greeting of someone.',
    args: { name: z.string().min(1).max(200).describe('who to greet') },
    complete: { name: SUGGESTED_NAMES },
    get: ({ name }) => `Write a warm, concise greeting (one or two sentences) for ${name}.`,
  });
}
