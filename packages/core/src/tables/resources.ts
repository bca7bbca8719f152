import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { MethodHandler } from '../dispatch.ts';
import { isInputRequired } from '../input.ts';
import { clip, protocolError, toProtocolError } from '../protocol-error.ts';
import {
  type HandlerContext,
  isTemplate,
  type ResourceBody,
  type ResourceDefinition,
  type ResourcePage,
  type ResourceTemplateDefinition,
} from '../server.ts';
import { completionResult } from './completion.ts';

/** The SDK's UriTemplate refuses (throws on) a longer URI: no template resource has one. */
const MAX_TEMPLATE_URI_LENGTH = 1_000_000;

interface BuiltTemplate {
  definition: ResourceTemplateDefinition;
  matcher: UriTemplate;
}

/** Listing cursor: which template's pages we are in, and that template's own cursor. */
interface ListPosition {
  t: number;
  c?: string;
}

/** resources/list (static ones, then each template's pages), templates/list, read, completion. */
export function buildResources(all: ReadonlyArray<ResourceDefinition | ResourceTemplateDefinition>) {
  const statics = new Map<string, ResourceDefinition>();
  const templates: BuiltTemplate[] = [];
  for (const resource of all) {
    if (isTemplate(resource))
      templates.push({ definition: resource, matcher: new UriTemplate(resource.uriTemplate) });
    else statics.set(resource.uri, resource);
  }
  const staticList: ResourcePage['resources'] = [...statics.values()].map(
    ({ uri, name, title, description, mimeType }) => clean({ uri, name, title, description, mimeType }),
  );
  const templateList = {
    resourceTemplates: templates.map(({ definition: { uriTemplate, name, title, description, mimeType } }) =>
      clean({ uriTemplate, name, title, description, mimeType }),
    ),
  };
  const listable = templates.filter((t) => t.definition.list);

  const list: MethodHandler = async (params, ctx) => {
    const position = decodeCursor(params.cursor);
    const first = position === undefined;
    const resources: ResourcePage['resources'] = first ? [...staticList] : [];
    let index = position?.t ?? 0;
    let inner = position?.c;
    // one page of one template per response; move on to the next template when one runs out
    while (index < listable.length) {
      const template = listable[index] as BuiltTemplate;
      const page = await (template.definition.list as NonNullable<ResourceTemplateDefinition['list']>)(
        inner,
        ctx,
      );
      const mimeType = template.definition.mimeType;
      resources.push(...page.resources.map((r) => clean({ ...(mimeType && { mimeType }), ...r })));
      if (page.nextCursor !== undefined)
        return { resources, nextCursor: encodeCursor({ t: index, c: page.nextCursor }) };
      index++;
      inner = undefined;
      if (resources.length > 0 && index < listable.length)
        return { resources, nextCursor: encodeCursor({ t: index }) };
    }
    return { resources };
  };

  const read: MethodHandler = async (params, ctx) => {
    const uri = String(params.uri);
    const found = statics.get(uri);
    if (!found && uri.length > MAX_TEMPLATE_URI_LENGTH) {
      throw protocolError(
        'ResourceNotFound',
        `resource not found: ${uri.slice(0, 100)}… (${uri.length} characters; a URI is at most ${MAX_TEMPLATE_URI_LENGTH})`,
        { uri: uri.slice(0, 100), length: uri.length, maxLength: MAX_TEMPLATE_URI_LENGTH },
      );
    }
    try {
      if (found) return contents(uri, found.mimeType, await found.read(ctx));
      for (const { definition, matcher } of templates) {
        const variables = matcher.match(uri);
        if (!variables) continue;
        const flat = Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
        );
        return contents(uri, definition.mimeType, await definition.read(flat, uri, ctx));
      }
    } catch (error) {
      if (isInputRequired(error)) throw error;
      throw toProtocolError(error, { logger: ctx.logger, notFound: 'ResourceNotFound' });
    }
    throw protocolError('ResourceNotFound', `resource not found: ${clip(uri)}`, { uri });
  };

  return {
    count: all.length,
    subscribable:
      [...statics.values()].some((r) => r.watch || r.subscribable) ||
      templates.some((t) => t.definition.subscribable),
    /** Whether changes of the resource at `uri` are published: a watched or subscribable one. */
    isSubscribable(uri: string): boolean {
      const found = statics.get(uri);
      if (found) return found.watch !== undefined || found.subscribable === true;
      if (uri.length > MAX_TEMPLATE_URI_LENGTH) return false;
      return templates.some((t) => t.definition.subscribable && t.matcher.match(uri) !== null);
    },
    completable: templates.some((t) => t.definition.complete),
    methods: [
      ['resources/list', list],
      ['resources/templates/list', async () => templateList],
      ['resources/read', read],
    ] as Array<[string, MethodHandler]>,
    watcher: (uri: string) => statics.get(uri)?.watch,
    async complete(uri: string, params: Record<string, unknown>, ctx: HandlerContext) {
      const template = templates.find((t) => t.definition.uriTemplate === uri);
      if (!template) throw protocolError('InvalidParams', `no resource template ${clip(uri)}`);
      return completionResult(template.definition.complete, params, ctx);
    },
  };
}

function contents(uri: string, mimeType: string | undefined, body: ResourceBody): ReadResourceResult {
  const mime = mimeType ? { mimeType } : {};
  if (typeof body === 'string') return { contents: [{ uri, ...mime, text: body }] };
  if (body instanceof Uint8Array)
    return { contents: [{ uri, ...mime, blob: Buffer.from(body).toString('base64') }] };
  if ('contents' in body) return { contents: body.contents };
  return { contents: [{ uri, mimeType: mimeType ?? 'application/json', text: JSON.stringify(body.json) }] };
}

/** Drops undefined fields (exactOptionalPropertyTypes, and tidier JSON). */
function clean<T extends object>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } & Pick<T, RequiredKeys<T>> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

type RequiredKeys<T> = { [K in keyof T]: undefined extends T[K] ? never : K }[keyof T];

function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor: unknown): ListPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const position = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as ListPosition;
    if (
      Number.isInteger(position.t) &&
      position.t >= 0 &&
      (position.c === undefined || typeof position.c === 'string')
    ) {
      return position;
    }
  } catch {
    // fall through
  }
  throw protocolError('InvalidParams', 'invalid cursor: pass back the nextCursor of a previous page');
}
