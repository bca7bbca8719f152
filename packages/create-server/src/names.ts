import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Names a new server may not take: the workspace's own packages and words that would confuse. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'core',
  'create-server',
  'users-api',
  'server',
  'servers',
  'services',
  'packages',
  'scripts',
  'bench',
  'docs',
  'mcp',
  'mcp-stack',
  'node',
  'node-modules',
  'test',
  'tests',
  'all',
]);

const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Every way a server's name is spelled in the files a scaffold writes. */
export interface ServerNames {
  /** `customer-db`: the folder, the compose service, the Docker stage. */
  name: string;
  /** `@mcp-stack/server-customer-db` */
  packageName: string;
  /** `mcp-server-customer-db` */
  bin: string;
  /** `CUSTOMER_DB`: the prefix of the server's env vars. */
  constant: string;
  /** `customerDb` */
  camel: string;
  /** `CustomerDb` */
  pascal: string;
}

export function serverNames(name: string): ServerNames {
  const words = name.split('-');
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return {
    name,
    packageName: `@mcp-stack/server-${name}`,
    bin: `mcp-server-${name}`,
    constant: words.join('_').toUpperCase(),
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    pascal,
  };
}

/** Why `name` cannot be a new server's name, or undefined when it can. */
export function nameProblem(name: string, root?: string): string | undefined {
  if (name === '') return 'the name is empty: say what the server is about, e.g. `billing`';
  if (name.length > 40) return `"${name}" is ${name.length} characters long; keep it to 40`;
  if (name !== name.toLowerCase()) return `"${name}" has capitals: use lowercase (${name.toLowerCase()})`;
  if (!NAME.test(name)) {
    return `"${name}" is not a valid name: use a-z, 0-9 and single dashes, starting with a letter (e.g. billing, order-history)`;
  }
  if (name.startsWith('server-') || name.startsWith('mcp-')) {
    return `"${name}": leave out the prefix; the package is named @mcp-stack/server-<name> already`;
  }
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved in this workspace; pick another name`;
  if (root) {
    for (const folder of ['servers', 'packages', 'services']) {
      if (existsSync(join(root, folder, name))) {
        return `${folder}/${name} already exists; pick another name (nothing is ever overwritten)`;
      }
    }
  }
  return undefined;
}

/** `getUserById`, `get-user`, `GET /users/{id}` → `get_user_by_id`. */
export function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** `get_user` → `getUser` (for function names). */
export function camelCase(text: string): string {
  const snake = snakeCase(text);
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
