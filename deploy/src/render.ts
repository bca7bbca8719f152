import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object, before it is known to be valid. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** `deploy/kubernetes/`: the kustomize base and its overlays. */
export const KUBERNETES_DIR = fileURLToPath(new URL('../kubernetes/', import.meta.url));

const run = promisify(execFile);

/**
 * The kubectl to render with (`$KUBECTL`, else `kubectl` on PATH), or undefined with the reason
 * printed. Under CI (`CI` set) a missing kubectl is an error: CI renders every manifest.
 */
export async function findKubectl(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const kubectl = env.KUBECTL || 'kubectl';
  try {
    await run(kubectl, ['version', '--client'], { timeout: 30_000 });
    return kubectl;
  } catch (error) {
    const why = `${kubectl} cannot run (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    if (env.CI) throw new Error(`${why}: CI renders the Kubernetes manifests; install kubectl and run again`);
    process.stderr.write(`skipping the Kubernetes manifest tests: ${why}; install kubectl to run them\n`);
    return undefined;
  }
}

/** `kubectl kustomize <dir>` (dir relative to deploy/kubernetes/), parsed into its objects. */
export async function render(kubectl: string, dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(kubectl, ['kustomize', join(KUBERNETES_DIR, dir)], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  return parseObjects(stdout);
}

/** YAML documents into objects; a document that is not an object with apiVersion, kind and a name throws. */
export function parseObjects(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`not YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
      throw new Error(
        `not a Kubernetes object (no apiVersion or kind): ${JSON.stringify(value).slice(0, 200)}`,
      );
    }
    const metadata = value.metadata;
    if (!isObject(metadata) || typeof metadata.name !== 'string') {
      throw new Error(`a ${value.kind} with no metadata.name`);
    }
    objects.push(value as K8sObject);
  }
  return objects;
}

/** `Deployment/users` */
export function nameOf(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
