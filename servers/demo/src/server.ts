import { defineServer, type HttpClient, type ServerDefinition } from '@mcp-stack/core';
import { explainAppPrompt } from './prompts/app-info.ts';
import { greetingPrompt } from './prompts/greeting.ts';
import type { RandomInt } from './random.ts';
import { type AppInfo, appInfoResource } from './resources/app-info.ts';
import { clockResource } from './resources/clock.ts';
import { numbersResource } from './resources/numbers.ts';
import { countDownTool } from './tools/count-down.ts';
import { jokeTool } from './tools/joke.ts';
import { mixedContentTool } from './tools/mixed-content.ts';
import { orderCoffeeTool } from './tools/order-coffee.ts';
import { randomNumberTool } from './tools/random-number.ts';

export const DEMO_NAME = 'demo';

export interface DemoDeps {
  /** The joke API, through core's HTTP client (timeouts, retries); its address is never shown to a client. */
  jokes: HttpClient;
  random: RandomInt;
  now: () => Date;
  environment: string;
  version: string;
  /** How often demo://clock changes (default 1 s); tests make it quicker. */
  clockTickMs?: number;
}

/** The demo server: one of every kind of tool, resource and prompt, built only from core. */
export function createDemoServer(deps: DemoDeps): ServerDefinition {
  const appInfo = (): AppInfo => ({
    app_name: 'mcp-stack demo',
    environment: deps.environment,
    version: deps.version,
  });
  return defineServer({
    name: DEMO_NAME,
    version: deps.version,
    title: 'mcp-stack demo',
    instructions:
      'A tour of what an MCP server offers. Tools: generate_random_number, fetch_joke, count_down (progress and cancellation), show_mixed_content, order_coffee (asks the person through a form). Resources: demo://app-info, demo://numbers/{n}, demo://clock (subscribe for updates). Prompts: greeting_prompt, explain_app_info.',
    tools: [
      randomNumberTool(deps.random),
      jokeTool(deps.jokes),
      countDownTool(),
      mixedContentTool(appInfo),
      orderCoffeeTool(),
    ],
    resources: [appInfoResource(appInfo), clockResource(deps.now, deps.clockTickMs), numbersResource()],
    prompts: [greetingPrompt(), explainAppPrompt(appInfo)],
  });
}
