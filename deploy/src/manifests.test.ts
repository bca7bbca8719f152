import { beforeAll, describe, expect, it } from 'vitest';
import { checkPolicies, RULES, type RuleId } from './policy.ts';
import { findKubectl, type K8sObject, nameOf, render } from './render.ts';
import { schemaErrors } from './schema.ts';

// kubectl renders the kustomizations; without it these tests are skipped with the reason printed,
// except under CI, where findKubectl throws
const kubectl = await findKubectl();

const rendered: Record<'base' | 'production', K8sObject[]> = { base: [], production: [] };
beforeAll(async () => {
  if (!kubectl) return;
  [rendered.base, rendered.production] = await Promise.all([
    render(kubectl, 'base'),
    render(kubectl, 'overlays/production'),
  ]);
});

type Any = any;
const find = (objects: K8sObject[], kind: string, name: string): Any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the render`);
  return found;
};
const container = (objects: K8sObject[], name: string): Any =>
  find(objects, 'Deployment', name).spec.template.spec.containers[0];
const env = (objects: K8sObject[], name: string, variable: string): Any =>
  container(objects, name).env.find((v: Any) => v.name === variable);

describe.skipIf(!kubectl)('the rendered manifests', () => {
  it.each(['base', 'production'] as const)(
    '%s: every object is valid against the Kubernetes API schemas',
    async (which) => {
      const objects = rendered[which];
      expect(objects.map(nameOf).sort()).toEqual(
        expect.arrayContaining([
          'Deployment/users',
          'Deployment/customer-db',
          'Deployment/demo',
          'Deployment/users-api',
        ]),
      );
      const errors = await Promise.all(
        objects.map(async (o) => ({ object: nameOf(o), errors: await schemaErrors(o) })),
      );
      expect(errors.filter((e) => e.errors.length > 0)).toEqual([]);
    },
  );

  it.each(['base', 'production'] as const)('%s: every policy holds', (which) => {
    expect(checkPolicies(rendered[which], { production: which === 'production' })).toEqual([]);
  });

  it('runs users, customer-db and demo as rolling replicas (HPA from 3), users-api as one pod on a volume', () => {
    for (const objects of [rendered.base, rendered.production]) {
      for (const name of ['users', 'customer-db']) {
        expect(find(objects, 'HorizontalPodAutoscaler', name).spec.minReplicas).toBe(3);
        const deployment = find(objects, 'Deployment', name);
        expect(deployment.spec.replicas).toBeUndefined();
        expect(deployment.spec.strategy).toEqual({
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        });
      }
      const usersApi = find(objects, 'Deployment', 'users-api');
      expect(usersApi.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
      expect(
        objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'users-api'),
      ).toBe(false);
    }
    expect(find(rendered.base, 'HorizontalPodAutoscaler', 'demo').spec.minReplicas).toBe(3);
    expect(find(rendered.production, 'HorizontalPodAutoscaler', 'customer-db').spec.maxReplicas).toBe(8);
  });

  it('customer-db: PostgreSQL from the Secret customer-db-postgres, no SQLite file, no volume or claim', () => {
    for (const objects of [rendered.base, rendered.production]) {
      expect(env(objects, 'customer-db', 'CUSTOMER_DB_URL').valueFrom.secretKeyRef).toEqual({
        name: 'customer-db-postgres',
        key: 'CUSTOMER_DB_URL',
      });
      expect(env(objects, 'customer-db', 'CUSTOMER_DB_PATH')).toBeUndefined();
      const pod = find(objects, 'Deployment', 'customer-db').spec.template.spec;
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
      expect(container(objects, 'customer-db').volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name)).toEqual([
        'users-api-data',
      ]);
      // a drain takes one replica at a time, never all of them
      expect(find(objects, 'PodDisruptionBudget', 'customer-db').spec.maxUnavailable).toBe(1);
    }
    // production's database is not given the demo customers
    expect(env(rendered.production, 'customer-db', 'CUSTOMER_DB_NO_SEED').value).toBe('1');
  });

  it('customer-db reaches only DNS, PostgreSQL and Redis (egress by port: both are references)', () => {
    for (const objects of [rendered.base, rendered.production]) {
      const policy = find(objects, 'NetworkPolicy', 'customer-db').spec;
      expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
      const open = policy.egress.flatMap((rule: Any) => {
        expect(rule.to).toBeUndefined();
        return rule.ports.map((p: Any) => `${p.port}/${p.protocol}`);
      });
      expect(open.sort()).toEqual(['53/TCP', '53/UDP', '5432/TCP', '6379/TCP']);
    }
  });

  it('takes keys from Secrets by name, Redis optionally, and carries no Secret', () => {
    const objects = rendered.production;
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(env(objects, 'users', 'MCP_API_KEYS').valueFrom.secretKeyRef).toEqual({
      name: 'users-mcp-keys',
      key: 'MCP_API_KEYS',
    });
    expect(env(objects, 'users', 'USERS_API_KEY').valueFrom.secretKeyRef).toEqual({
      name: 'users-api-key',
      key: 'USERS_API_KEY',
    });
    expect(env(objects, 'users-api', 'USERS_API_KEY').valueFrom.secretKeyRef.name).toBe('users-api-key');
    expect(env(objects, 'customer-db', 'CUSTOMER_DB_URL').valueFrom.secretKeyRef.optional).toBeUndefined();
    for (const name of ['users', 'customer-db', 'demo']) {
      expect(env(objects, name, 'MCP_REDIS_URL').valueFrom.secretKeyRef).toEqual({
        name: 'mcp-redis',
        key: 'MCP_REDIS_URL',
        optional: true,
      });
    }
  });

  it('production: pinned registry images, public https hosts, open only to ingress and monitoring', () => {
    const objects = rendered.production;
    expect(container(objects, 'users').image).toBe('registry.example.com/mcp-stack/users:0.1.0');
    expect(env(objects, 'users', 'MCP_PUBLIC_URL').value).toBe('https://users.mcp.example.com');
    expect(env(objects, 'users', 'MCP_ALLOWED_HOSTS').value.split(',')).toContain('users.mcp.example.com');
    const sources = find(objects, 'NetworkPolicy', 'users').spec.ingress.flatMap((rule: Any) =>
      rule.from.map((peer: Any) => peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']),
    );
    expect(sources).toEqual(['ingress-nginx', 'monitoring']);
    const ports = find(objects, 'NetworkPolicy', 'users').spec.ingress.map((rule: Any) =>
      rule.ports.map((p: Any) => p.port),
    );
    expect(ports).toEqual([['http'], ['ops']]);
    expect(find(rendered.base, 'NetworkPolicy', 'users-api').spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'users' } } },
    ]);
  });
});

describe('the schema check', () => {
  const deployment = (): Any => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'mcp-stack', labels: { app: 'x' } },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: {
        metadata: { labels: { app: 'x' } },
        spec: { containers: [{ name: 'x', image: 'x:1', ports: [{ name: 'http', containerPort: 1 }] }] },
      },
    },
  });

  it('passes a valid object', async () => {
    expect(await schemaErrors(deployment())).toEqual([]);
  });

  it('fails an unknown kind or apiVersion', async () => {
    expect(await schemaErrors({ ...deployment(), kind: 'Deploymnet' })).toEqual([
      'unknown kind: apps/v1 Deploymnet is not in the Kubernetes API',
    ]);
    expect(
      await schemaErrors({ ...deployment(), apiVersion: 'autoscaling/v3', kind: 'HorizontalPodAutoscaler' }),
    ).toHaveLength(1);
    expect(await schemaErrors({ ...deployment(), apiVersion: '../../evil' })).toHaveLength(1);
  });

  it('fails a wrong type and a missing required field', async () => {
    const wrongType = deployment();
    wrongType.spec.template.spec.containers[0].ports[0].containerPort = '3001';
    expect((await schemaErrors(wrongType))[0]).toMatch(/containerPort must be integer/);
    const missing = deployment();
    delete missing.spec.selector;
    expect((await schemaErrors(missing))[0]).toMatch(/selector/);
  });

  it('fails a field the schema does not have (a misspelt probe would be dropped silently)', async () => {
    const misspelt = deployment();
    misspelt.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: '/readyz', port: 'http' } };
    misspelt.spec.template.spec.securityContext = { runAsNonRoot: true, runAsUsr: 1000 };
    expect(await schemaErrors(misspelt)).toEqual([
      'unknown field spec.template.spec.containers.0.readinesProbe',
      'unknown field spec.template.spec.securityContext.runAsUsr',
    ]);
  });
});

/** One way to break each rule, applied to the production render; the checker must name that rule. */
const BREAKS: Array<[RuleId, string, (objects: K8sObject[]) => void]> = [
  [
    'known-service',
    'a port off the contract',
    (o) => {
      container(o, 'users').ports[0].containerPort = 3009;
    },
  ],
  [
    'known-service',
    'a container of another name',
    (o) => {
      container(o, 'demo').name = 'jokes';
    },
  ],
  [
    'probes',
    'no readiness probe',
    (o) => {
      delete container(o, 'users').readinessProbe;
    },
  ],
  [
    'probes',
    'readiness on /healthz',
    (o) => {
      container(o, 'demo').readinessProbe.httpGet.path = '/healthz';
    },
  ],
  [
    'probes',
    'no liveness probe',
    (o) => {
      delete container(o, 'users-api').livenessProbe;
    },
  ],
  [
    'probes',
    'no startup probe',
    (o) => {
      delete container(o, 'customer-db').startupProbe;
    },
  ],
  [
    'probe-port',
    'a probe on a port not declared',
    (o) => {
      container(o, 'users').livenessProbe.httpGet.port = 9090;
    },
  ],
  [
    'resources',
    'no memory limit',
    (o) => {
      delete container(o, 'users').resources.limits.memory;
    },
  ],
  [
    'resources',
    'no requests',
    (o) => {
      delete container(o, 'demo').resources.requests;
    },
  ],
  [
    'resources',
    'a request above its limit',
    (o) => {
      container(o, 'users').resources.requests.cpu = '2';
    },
  ],
  [
    'non-root',
    'root',
    (o) => {
      find(o, 'Deployment', 'users').spec.template.spec.securityContext.runAsUser = 0;
    },
  ],
  [
    'non-root',
    'runAsNonRoot unset',
    (o) => {
      delete container(o, 'demo').securityContext.runAsNonRoot;
      delete find(o, 'Deployment', 'demo').spec.template.spec.securityContext.runAsNonRoot;
    },
  ],
  [
    'read-only-root',
    'a writable root',
    (o) => {
      container(o, 'users').securityContext.readOnlyRootFilesystem = false;
    },
  ],
  [
    'read-only-root',
    'no /tmp',
    (o) => {
      container(o, 'users').volumeMounts.pop();
    },
  ],
  [
    'privilege-escalation',
    'escalation',
    (o) => {
      container(o, 'users').securityContext.allowPrivilegeEscalation = true;
    },
  ],
  [
    'privilege-escalation',
    'privileged',
    (o) => {
      container(o, 'demo').securityContext.privileged = true;
    },
  ],
  [
    'capabilities',
    'a capability added',
    (o) => {
      container(o, 'users').securityContext.capabilities.add = ['NET_RAW'];
    },
  ],
  [
    'capabilities',
    'none dropped',
    (o) => {
      delete container(o, 'demo').securityContext.capabilities;
    },
  ],
  [
    'seccomp',
    'no profile',
    (o) => {
      delete find(o, 'Deployment', 'users').spec.template.spec.securityContext.seccompProfile;
    },
  ],
  [
    'service-account-token',
    'a token',
    (o) => {
      delete find(o, 'Deployment', 'users').spec.template.spec.automountServiceAccountToken;
    },
  ],
  [
    'service-links',
    'service links',
    (o) => {
      delete find(o, 'Deployment', 'users-api').spec.template.spec.enableServiceLinks;
    },
  ],
  [
    'secrets',
    'a key inlined as a value',
    (o) => {
      Object.assign(env(o, 'users', 'MCP_API_KEYS'), { value: 'ci:0123456789abcdef', valueFrom: undefined });
    },
  ],
  [
    'secrets',
    'a Secret with values',
    (o) => {
      o.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'users-api-key', namespace: 'mcp-stack' },
        stringData: { USERS_API_KEY: 'x' },
      });
    },
  ],
  [
    'shutdown',
    'no shutdown delay',
    (o) => {
      const c = container(o, 'demo');
      c.env = c.env.filter((v: Any) => v.name !== 'MCP_SHUTDOWN_DELAY_MS');
    },
  ],
  [
    'shutdown',
    'no preStop (users-api has no shutdown delay of its own)',
    (o) => {
      delete container(o, 'users-api').lifecycle;
    },
  ],
  [
    'probe-port',
    'probes on the MCP port, which answers them 404 beside MCP_METRICS_PORT',
    (o) => {
      container(o, 'users').readinessProbe.httpGet.port = 'http';
    },
  ],
  [
    'mcp-http',
    'metrics and probes beside /mcp',
    (o) => {
      const c = container(o, 'customer-db');
      c.env = c.env.filter((v: Any) => v.name !== 'MCP_METRICS_PORT');
    },
  ],
  [
    'network-policy',
    'monitoring admitted to /mcp in production',
    (o) => {
      find(o, 'NetworkPolicy', 'users').spec.ingress[1].ports.push({ port: 'http', protocol: 'TCP' });
    },
  ],
  [
    'shutdown',
    'a termination grace shorter than the shutdown grace',
    (o) => {
      find(o, 'Deployment', 'demo').spec.template.spec.terminationGracePeriodSeconds = 12;
    },
  ],
  [
    'mcp-http',
    'bound to loopback',
    (o) => {
      env(o, 'users', 'MCP_HOST').value = '127.0.0.1';
    },
  ],
  [
    'mcp-http',
    'stdio',
    (o) => {
      env(o, 'demo', 'MCP_TRANSPORT').value = 'stdio';
    },
  ],
  [
    'mcp-http',
    'stateful sessions',
    (o) => {
      container(o, 'users').env.push({ name: 'MCP_STATEFUL', value: '1' });
    },
  ],
  [
    'mcp-http',
    'the public host not allowed',
    (o) => {
      env(o, 'users', 'MCP_ALLOWED_HOSTS').value = 'users.mcp-stack.svc.cluster.local:3001';
    },
  ],
  [
    'mcp-http',
    'an in-cluster public URL in production',
    (o) => {
      env(o, 'demo', 'MCP_PUBLIC_URL').value = 'http://demo:3003';
    },
  ],
  [
    'rollout',
    'a pod taken away before its replacement is ready',
    (o) => {
      find(o, 'Deployment', 'users').spec.strategy.rollingUpdate.maxUnavailable = 1;
    },
  ],
  [
    'selector',
    'a selector off the pod labels',
    (o) => {
      find(o, 'Deployment', 'demo').spec.selector.matchLabels.tier = 'web';
    },
  ],
  [
    'pdb',
    'no PodDisruptionBudget',
    (o) => {
      o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'demo')), 1);
    },
  ],
  [
    'pdb',
    'a budget that blocks every drain of one replica',
    (o) => {
      find(o, 'PodDisruptionBudget', 'users-api').spec = {
        minAvailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'users-api' } },
      };
    },
  ],
  [
    'service',
    'no Service',
    (o) => {
      o.splice(o.indexOf(find(o, 'Service', 'users')), 1);
    },
  ],
  [
    'service',
    'a Service on a port the pods lack',
    (o) => {
      find(o, 'Service', 'demo').spec.ports[0].targetPort = 8080;
    },
  ],
  [
    'hpa',
    'an HPA on a missing Deployment',
    (o) => {
      find(o, 'HorizontalPodAutoscaler', 'users').spec.scaleTargetRef.name = 'user';
    },
  ],
  [
    'hpa',
    'spec.replicas beside an HPA',
    (o) => {
      find(o, 'Deployment', 'users').spec.replicas = 3;
    },
  ],
  [
    'hpa',
    'a single-replica floor',
    (o) => {
      find(o, 'HorizontalPodAutoscaler', 'demo').spec.minReplicas = 1;
    },
  ],
  [
    'sqlite',
    'SQLite with two replicas',
    (o) => {
      find(o, 'Deployment', 'users-api').spec.replicas = 2;
    },
  ],
  [
    'sqlite',
    'customer-db back on a ReadWriteOnce claim, with its autoscaler',
    (o) => {
      o.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'customer-db-data', namespace: 'mcp-stack' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
      find(o, 'Deployment', 'customer-db').spec.template.spec.volumes.push({
        name: 'data',
        persistentVolumeClaim: { claimName: 'customer-db-data' },
      });
    },
  ],
  [
    'shared-database',
    'replicas each on a SQLite file of its own',
    (o) => {
      const c = container(o, 'customer-db');
      c.env = c.env.filter((v: Any) => v.name !== 'CUSTOMER_DB_URL');
      c.env.push({ name: 'CUSTOMER_DB_PATH', value: '/tmp/customer-db.sqlite' });
    },
  ],
  [
    'shared-database',
    'a SQLite path beside the URL',
    (o) => {
      container(o, 'customer-db').env.push({ name: 'CUSTOMER_DB_PATH', value: '/tmp/customer-db.sqlite' });
    },
  ],
  [
    'egress',
    'PostgreSQL not open',
    (o) => {
      const policy = find(o, 'NetworkPolicy', 'customer-db').spec;
      policy.egress = policy.egress.filter((rule: Any) => rule.ports[0].port !== 5432);
    },
  ],
  [
    'egress',
    'no DNS',
    (o) => {
      const policy = find(o, 'NetworkPolicy', 'customer-db').spec;
      policy.egress = policy.egress.filter((rule: Any) => rule.ports[0].port !== 53);
    },
  ],
  [
    'egress',
    'Redis not open',
    (o) => {
      const policy = find(o, 'NetworkPolicy', 'customer-db').spec;
      policy.egress = policy.egress.filter((rule: Any) => rule.ports[0].port !== 6379);
    },
  ],
  [
    'sqlite',
    'SQLite rolling',
    (o) => {
      find(o, 'Deployment', 'users-api').spec.strategy = { type: 'RollingUpdate' };
    },
  ],
  [
    'network-policy',
    'no NetworkPolicy',
    (o) => {
      o.splice(o.indexOf(find(o, 'NetworkPolicy', 'users')), 1);
    },
  ],
  [
    'network-policy',
    'every pod of the namespace admitted in production',
    (o) => {
      find(o, 'NetworkPolicy', 'demo').spec.ingress[0].from = [{ podSelector: {} }];
    },
  ],
  [
    'network-policy',
    'every port open',
    (o) => {
      delete find(o, 'NetworkPolicy', 'users-api').spec.ingress[0].ports;
    },
  ],
  [
    'pod-security',
    'a baseline namespace',
    (o) => {
      find(o, 'Namespace', 'mcp-stack').metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
    },
  ],
  [
    'pod-security',
    'an object elsewhere',
    (o) => {
      find(o, 'Service', 'demo').metadata.namespace = 'default';
    },
  ],
  [
    'upstream',
    'users-api on a wrong port',
    (o) => {
      env(o, 'users', 'USERS_API_URL').value = 'http://users-api:9000';
    },
  ],
  [
    'image',
    ':latest',
    (o) => {
      container(o, 'users').image = 'registry.example.com/mcp-stack/users:latest';
    },
  ],
  [
    'image',
    'a local image in production',
    (o) => {
      container(o, 'demo').image = 'mcp-stack/demo:local';
    },
  ],
  [
    'ingress',
    '/metrics made public',
    (o) => {
      find(o, 'Ingress', 'mcp-stack').spec.rules[0].http.paths[0].path = '/';
    },
  ],
  [
    'ingress',
    'a backend that does not exist',
    (o) => {
      find(o, 'Ingress', 'mcp-stack').spec.rules[0].http.paths[0].backend.service.name = 'user';
    },
  ],
];

it('breaks every policy rule at least once below', () => {
  expect(new Set(BREAKS.map(([rule]) => rule))).toEqual(new Set(Object.keys(RULES)));
});

describe.skipIf(!kubectl)('each policy rule fails a manifest that breaks it', () => {
  it.each(BREAKS)('%s: %s', (rule, _what, breakIt) => {
    const objects = structuredClone(rendered.production);
    breakIt(objects);
    const broken = checkPolicies(JSON.parse(JSON.stringify(objects)), { production: true });
    expect(broken.map((v) => v.rule)).toContain(rule);
  });
});
