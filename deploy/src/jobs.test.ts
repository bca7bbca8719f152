import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSeedCommand } from '@mcp-stack/server-customer-db';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_DOC } from './docs.ts';
import { KUBERNETES_DIR, parseObjects } from './render.ts';
import { schemaErrors } from './schema.ts';

// deploy/kubernetes/jobs/: one-off Jobs an operator creates by hand (docs/deployment.md), outside
// the kustomizations; held to the API schema and to what the restricted namespace admits.
const FILE = 'jobs/customer-db-seed.yaml';
type Any = any;
const [job] = parseObjects(readFileSync(join(KUBERNETES_DIR, FILE), 'utf8')) as Any[];

describe('the customer-db seed Job', () => {
  it('is one valid Job in the namespace, never retried (a failed load changes nothing)', async () => {
    expect(job).toMatchObject({
      kind: 'Job',
      metadata: { name: 'customer-db-seed', namespace: 'mcp-stack' },
    });
    expect(await schemaErrors(job)).toEqual([]);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('runs as the restricted Pod Security Standard requires, with no token', () => {
    const pod = job.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  });

  it("reads the server's Secret and runs a seed command the bin accepts", async () => {
    const [container] = job.spec.template.spec.containers;
    expect(container.env.find((v: Any) => v.name === 'CUSTOMER_DB_URL').valueFrom.secretKeyRef).toEqual({
      name: 'customer-db-postgres',
      key: 'CUSTOMER_DB_URL',
    });
    expect(container.command).toEqual(['node', 'dist/bin.js', 'seed']);
    // every flag known to the seed subcommand (an unknown one exits 2 before --help is answered)
    const errors: string[] = [];
    const code = await runSeedCommand([...container.args, '--help'], {
      env: {},
      print: () => {},
      printError: (text) => errors.push(text),
    });
    expect(errors).toEqual([]);
    expect(code).toBe(0);
  });

  it('is the Job docs/deployment.md tells the operator to create', () => {
    expect(DEPLOYMENT_DOC).toContain(`kubectl -n mcp-stack create -f deploy/kubernetes/${FILE}`);
  });
});
