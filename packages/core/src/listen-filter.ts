import { z } from 'zod';
import type { ListKind } from './change-hub.ts';

/** Where a listen stream's messages name their subscription (basic/patterns/subscriptions.mdx). */
export const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** Resource URIs one listen may ask for: more is a bigger listen than anyone needs; open another. */
export const MAX_RESOURCE_SUBSCRIPTIONS = 100;
/** The longest URI a listen may name (the whole filter then stays under about 200 KB). */
export const MAX_SUBSCRIPTION_URI_LENGTH = 2_048;

/**
 * The filter of a `subscriptions/listen` request (SubscriptionFilter in the 2026-07-28 schema).
 * A field of a known name with the wrong type is refused (-32602, naming it); a field this
 * server does not know is ignored and left out of the acknowledgement, as the spec says of types
 * a server cannot deliver.
 */
export const SubscriptionFilterSchema = z.looseObject({
  toolsListChanged: z.boolean().optional(),
  promptsListChanged: z.boolean().optional(),
  resourcesListChanged: z.boolean().optional(),
  resourceSubscriptions: z
    .array(
      z
        .string()
        .min(1, { error: 'a resource URI must not be empty' })
        .max(MAX_SUBSCRIPTION_URI_LENGTH, {
          error: `a resource URI is at most ${MAX_SUBSCRIPTION_URI_LENGTH} characters here`,
        }),
    )
    .max(MAX_RESOURCE_SUBSCRIPTIONS, {
      error: `at most ${MAX_RESOURCE_SUBSCRIPTIONS} resource URIs per listen; open another listen for more`,
    })
    .optional(),
});

export type SubscriptionFilter = {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
};

/** The request as methods.ts checks it: `notifications` is required (an empty filter is `{}`). */
export const ListenRequestSchema = z.object({
  method: z.literal('subscriptions/listen'),
  params: z.looseObject({
    _meta: z.looseObject({}).optional(),
    notifications: SubscriptionFilterSchema,
  }),
});

/** What this server can deliver on a listen. */
export interface ListenOffer {
  /** The lists whose changes the server announces (`ServerDefinition.listChanged`). */
  lists: ReadonlySet<ListKind>;
  /** Whether updates of the resource at `uri` are published (a watched or subscribable resource). */
  subscribable(uri: string): boolean;
}

/**
 * The part of `requested` this server honours, as the acknowledgement says it: only the types
 * it can deliver, each URI once. A URI no subscribable resource answers to is left out (not
 * refused): the client sees it in the acknowledgement and the other types still work.
 */
export function honour(requested: SubscriptionFilter, offer: ListenOffer): SubscriptionFilter {
  const honoured: SubscriptionFilter = {};
  if (requested.toolsListChanged && offer.lists.has('tools')) honoured.toolsListChanged = true;
  if (requested.promptsListChanged && offer.lists.has('prompts')) honoured.promptsListChanged = true;
  if (requested.resourcesListChanged && offer.lists.has('resources')) honoured.resourcesListChanged = true;
  if (requested.resourceSubscriptions) {
    honoured.resourceSubscriptions = [...new Set(requested.resourceSubscriptions)].filter((uri) =>
      offer.subscribable(uri),
    );
  }
  return honoured;
}

/**
 * The capabilities `server/discover` lists: `base` (the stateless ones) with what listens
 * deliver: `resources.subscribe` when a resource is subscribable, `listChanged` for the lists the
 * server announces changes of.
 */
export function listenCapabilities<C extends Record<string, unknown>>(
  base: C,
  offer: { lists: ReadonlySet<ListKind>; anySubscribable: boolean },
): C {
  const caps: Record<string, unknown> = { ...base };
  const set = (key: string, patch: Record<string, boolean>) => {
    const current = caps[key];
    if (current && typeof current === 'object') caps[key] = { ...current, ...patch };
  };
  set('tools', { listChanged: offer.lists.has('tools') });
  set('prompts', { listChanged: offer.lists.has('prompts') });
  set('resources', { subscribe: offer.anySubscribable, listChanged: offer.lists.has('resources') });
  return caps as C;
}
