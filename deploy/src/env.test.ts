import { parseApiKeys, parseCli } from '@mcp-stack/core';
import { customerDbCli } from '@mcp-stack/server-customer-db';
import { demoCli } from '@mcp-stack/server-demo';
import { usersCli } from '@mcp-stack/server-users';
import { parseBinArgs } from '@mcp-stack/users-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { filledExampleSecrets } from './docs.ts';
import { findKubectl, type K8sObject, render } from './render.ts';

// The environment each container gets from the manifests (Secrets as docs/deployment.md stores
// them), read by its bin's own parser: a value the bin refuses would crash-loop the pod.
const kubectl = await findKubectl();
const SECRETS = filledExampleSecrets();
const MCP_CLIS = { users: usersCli, 'customer-db': customerDbCli({}), demo: demoCli } as const;

type Any = any;

/** The container's variables; optional Secret keys only when `withOptional`. */
function containerEnv(container: Any, withOptional: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (ref && (withOptional || !ref.optional)) {
      const value = SECRETS.get(`${ref.name}/${ref.key}`);
      if (value === undefined)
        throw new Error(`docs/deployment.md has no example for Secret ${ref.name} key ${ref.key}`);
      env[variable.name] = value;
    } else if (!ref) throw new Error(`${variable.name}: only values and secretKeyRefs are expected`);
  }
  return env;
}

const rendered: Record<string, K8sObject[]> = {};
beforeAll(async () => {
  if (!kubectl) return;
  rendered.base = await render(kubectl, 'base');
  rendered.production = await render(kubectl, 'overlays/production');
});

function deployment(which: string, name: string): Any {
  const found = rendered[which]?.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  if (!found) throw new Error(`no Deployment/${name}`);
  return found;
}

/** The mount path of the container's PersistentVolumeClaim volume. */
function volumePath(d: Any): string | undefined {
  const claimed = d.spec.template.spec.volumes.find((v: Any) => v.persistentVolumeClaim)?.name;
  return d.spec.template.spec.containers[0].volumeMounts.find((m: Any) => m.name === claimed)?.mountPath;
}

describe.skipIf(!kubectl).each(['base', 'production'])('%s: each bin accepts its environment', (which) => {
  it.each([false, true])('the MCP servers (with the optional Redis Secret: %s)', (withOptional) => {
    for (const [name, cli] of Object.entries(MCP_CLIS)) {
      const d = deployment(which, name);
      const container = d.spec.template.spec.containers[0];
      const env = containerEnv(container, withOptional);
      const parsed = parseCli(cli as Any, [], env);
      if (parsed.kind === 'exit') throw new Error(`${name} refuses its environment: ${parsed.text}`);
      expect(parsed.config).toMatchObject({
        MCP_TRANSPORT: 'http',
        MCP_HOST: '0.0.0.0',
        MCP_PORT: container.ports[0].containerPort,
        MCP_STATEFUL: false,
      });
      expect(parsed.config.MCP_REDIS_URL !== undefined).toBe(withOptional);
      expect(parseApiKeys(parsed.config.MCP_API_KEYS).length).toBeGreaterThan(0);
      // replicas sign questions' requestState with one shared key (a retry may reach another)
      expect(parsed.config.MCP_REQUEST_STATE_KEYS?.length).toBeGreaterThan(0);
      const { MCP_SHUTDOWN_DELAY_MS, MCP_SHUTDOWN_GRACE_MS, MCP_METRICS_PORT } = parsed.config;
      expect(MCP_SHUTDOWN_DELAY_MS).toBeGreaterThan(0);
      expect(MCP_SHUTDOWN_DELAY_MS + MCP_SHUTDOWN_GRACE_MS).toBeLessThan(
        d.spec.template.spec.terminationGracePeriodSeconds * 1000,
      );
      // the probes ask the ops listener, where /healthz and /readyz are served
      const ops = container.ports.find((p: Any) => p.name === 'ops');
      expect(MCP_METRICS_PORT).toBe(ops.containerPort);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect(container[probe].httpGet.port).toBe('ops');
      }
      if (name === 'customer-db') {
        // PostgreSQL, shared by the replicas: the URL as docs/deployment.md stores it, no file
        const { dbPath, dbUrl } = parsed.options as { dbPath?: string; dbUrl?: string };
        expect(dbUrl).toBe(SECRETS.get('customer-db-postgres/CUSTOMER_DB_URL'));
        expect(dbUrl).toMatch(/^postgres(ql)?:\/\//);
        expect(dbPath).toBeUndefined();
      }
      if (name === 'users')
        expect((parsed.options as Any).apiKey).toBe(SECRETS.get('users-api-key/USERS_API_KEY'));
    }
  });

  it('users-api, with its database on its volume', () => {
    const d = deployment(which, 'users-api');
    const parsed = parseBinArgs([], containerEnv(d.spec.template.spec.containers[0], true), '0.0.0');
    if (parsed.kind === 'exit') throw new Error(`users-api refuses its environment: ${parsed.text}`);
    expect(parsed.config).toMatchObject({
      host: '0.0.0.0',
      port: 8000,
      apiKey: SECRETS.get('users-api-key/USERS_API_KEY'),
    });
    expect(parsed.config.dbPath.startsWith(`${volumePath(d)}/`)).toBe(true);
  });
});

it('needs enableServiceLinks: false: a Service named users-api would set USERS_API_PORT to a URL', () => {
  const parsed = parseBinArgs([], { USERS_API_PORT: 'tcp://10.96.0.12:8000' }, '0.0.0');
  expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
});
