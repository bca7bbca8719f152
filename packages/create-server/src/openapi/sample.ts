import type { ToolPlan } from './map.ts';
import type { SampleCall } from './render.ts';

/** A value that `zod` (source) surely accepts, or undefined when that is not obvious. */
function sampleOf(zod: string): unknown {
  if (/\.regex\(|z\.(email|uuid|url|iso)\(/.test(zod)) return undefined;
  const min = /^z\.string\(\)\.min\((\d+)\)/.exec(zod);
  if (zod.startsWith('z.string()')) return 'x'.repeat(Math.max(1, Number(min?.[1] ?? 1)));
  if (zod.startsWith('z.enum([')) return JSON.parse(`[${/^z\.enum\(\[(.*?)\]\)/.exec(zod)?.[1] ?? ''}]`)[0];
  if (zod.startsWith('z.number()')) {
    const lower = /\.min\((-?\d+)\)/.exec(zod);
    return Math.max(1, Number(lower?.[1] ?? 1));
  }
  if (zod.startsWith('z.boolean()')) return true;
  return undefined;
}

/** For the generated test: a call whose arguments are certain to validate, preferring a GET. */
export function sampleCall(tools: ReadonlyArray<ToolPlan>): SampleCall | undefined {
  const ordered = [...tools].sort((a, b) => Number(b.method === 'GET') - Number(a.method === 'GET'));
  for (const tool of ordered) {
    const args: Record<string, unknown> = {};
    let ok = true;
    for (const arg of tool.args.filter((a) => a.required)) {
      const value = sampleOf(arg.zod);
      if (value === undefined) {
        ok = false;
        break;
      }
      args[arg.arg] = value;
    }
    if (!ok) continue;
    const path = tool.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const arg = tool.args.find((a) => a.in === 'path' && a.name === name);
      return encodeURIComponent(String(arg ? args[arg.arg] : name));
    });
    const query = new URLSearchParams();
    for (const arg of tool.args) {
      if (arg.in === 'query' && args[arg.arg] !== undefined) query.append(arg.name, String(args[arg.arg]));
    }
    const defaults = tool.args.filter((a) => a.in === 'query' && !a.required && /\.default\(/.test(a.zod));
    for (const arg of defaults) {
      query.append(arg.name, String(JSON.parse(/\.default\((.*)\)$/.exec(arg.zod)?.[1] ?? 'null')));
    }
    const search = query.toString();
    return { tool: tool.name, args, request: `${tool.method} ${path}${search ? `?${search}` : ''}` };
  }
  return undefined;
}
