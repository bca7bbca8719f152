import type { K8sObject } from './render.ts';

interface ModelClass {
  new (...args: never[]): unknown;
  apiVersion: string;
  kind: string;
  prototype: { validate(this: unknown): void };
}

// `v1`, `apps/v1`, `autoscaling/v2`, `networking.k8s.io/v1`, `policy/v1beta1`
const API_VERSION = /^(?:[a-z0-9.-]+\/)?v\d+(?:(?:alpha|beta)\d+)?$/;

/**
 * The kubernetes-models class of an apiVersion and kind (a current release's API schemas), or
 * undefined when that release has no such kind.
 */
export async function modelOf(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!API_VERSION.test(apiVersion)) return undefined;
  let group: Record<string, unknown>;
  try {
    group = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}`)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const model = group[kind] as ModelClass | undefined;
  if (typeof model !== 'function' || model.kind !== kind || model.apiVersion !== apiVersion) return undefined;
  return model;
}

/**
 * What is wrong with an object against its kind's API schema: an unknown apiVersion or kind, a
 * schema error (a wrong type, a missing required field, a bad enum value), or a field the schema
 * does not have. The schemas allow unknown fields, as the API server's non-strict decoding does;
 * a misspelt `readinesProbe` would then pass unseen and the pod would run without it. So the
 * validator runs on a proxy that records each field it looks up: every field it never looked up
 * is one its schema does not know.
 */
export async function schemaErrors(object: K8sObject): Promise<string[]> {
  const model = await modelOf(object.apiVersion, object.kind);
  if (!model) return [`unknown kind: ${object.apiVersion} ${object.kind} is not in the Kubernetes API`];
  const unread = new Set<string>();
  try {
    model.prototype.validate.call(tracked(object, '', unread));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  return [...unread].sort().map((path) => `unknown field ${path.slice(1).replaceAll('/', '.')}`);
}

function tracked(value: unknown, path: string, unread: Set<string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (!Array.isArray(value)) for (const key of Object.keys(value)) unread.add(`${path}/${key}`);
  return new Proxy(value, {
    get(target, key, receiver) {
      const field: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !Object.hasOwn(target, key)) return field;
      unread.delete(`${path}/${key}`);
      return tracked(field, `${path}/${key}`, unread);
    },
  });
}
