import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENT_DOC as DOC, exampleSecrets } from './docs.ts';
import { findKubectl, type K8sObject, render } from './render.ts';
import { schemaErrors } from './schema.ts';

// docs/deployment.md is what an operator follows: it must create every Secret the manifests use
// (a command may go on over lines ending in a backslash)
const kubectl = await findKubectl();

/** `name/key` of every Secret key the production pods read, and the Ingress's TLS Secrets. */
function referencedSecrets(objects: K8sObject[]) {
  const keys = new Set<string>();
  const tls = new Set<string>();
  for (const object of objects as any[]) {
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) keys.add(`${ref.name}/${ref.key}`);
      }
    }
    for (const entry of object.kind === 'Ingress' ? (object.spec.tls ?? []) : []) tls.add(entry.secretName);
  }
  return { keys, tls };
}

describe.skipIf(!kubectl)('docs/deployment.md', () => {
  let referenced: ReturnType<typeof referencedSecrets>;
  beforeAll(async () => {
    referenced = referencedSecrets(await render(kubectl as string, 'overlays/production'));
  });

  it('creates every Secret and key the manifests reference, with kubectl', () => {
    expect(referenced.keys.size).toBeGreaterThanOrEqual(5);
    for (const ref of referenced.keys) {
      const [name, key] = ref.split('/');
      expect(DOC, ref).toMatch(
        new RegExp(
          `kubectl -n mcp-stack create secret generic ${name}\\b(?:[^\\n]|\\\\\\n)*--from-(literal|file)=${key}=`,
        ),
      );
    }
    for (const name of referenced.tls)
      expect(DOC).toContain(`kubectl -n mcp-stack create secret tls ${name} `);
  });

  it('gives an example Secret manifest for each, valid against the API schema, with no real value', async () => {
    const examples = exampleSecrets();
    const keys = examples.flatMap((s: any) =>
      Object.keys(s.stringData).map((k) => `${s.metadata.name}/${k}`),
    );
    expect(new Set(keys)).toEqual(referenced.keys);
    for (const secret of examples as any[]) {
      expect(await schemaErrors(secret)).toEqual([]);
      expect(secret.metadata.namespace).toBe('mcp-stack');
      for (const value of Object.values(secret.stringData)) expect(value).toMatch(/<[^>]+>/);
    }
  });
});
