import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { parse, stringify } from 'yaml';

type Entry = { specifier: string; version: string };
type Importer = Partial<Record<'dependencies' | 'devDependencies', Record<string, Entry>>>;
interface Lockfile {
  importers: Record<string, Importer>;
}

/**
 * Adds lockfile importers for new workspace packages whose dependencies the lockfile already
 * resolves for another package (same name, same specifier), so `pnpm install --offline
 * --frozen-lockfile` links them from the store with no registry metadata. A frozen-lockfile
 * install never fills pnpm's metadata cache, so on a fresh store pnpm cannot resolve a new
 * package's ranges offline (ERR_PNPM_NO_OFFLINE_META); online, `pnpm install` would pick the same
 * versions, since catalog ranges resolve to the catalog's locked version. Throws, naming it, for a
 * dependency no existing package resolves (that one needs an online install).
 */
export function lockNewImporters(root: string, packageDirs: ReadonlyArray<string>): void {
  const path = join(root, 'pnpm-lock.yaml');
  const lockfile = parse(readFileSync(path, 'utf8')) as Lockfile;
  const known = new Map<string, string>();
  for (const importer of Object.values(lockfile.importers)) {
    for (const group of [importer.dependencies, importer.devDependencies]) {
      for (const [name, entry] of Object.entries(group ?? {})) {
        if (!entry.version.startsWith('link:')) known.set(`${name}@${entry.specifier}`, entry.version);
      }
    }
  }
  const workspace = workspacePackages(lockfile, root);
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const importer: Importer = {};
    for (const group of ['dependencies', 'devDependencies'] as const) {
      const entries = Object.entries(manifest[group] ?? {});
      if (entries.length === 0) continue;
      importer[group] = Object.fromEntries(
        entries.map(([name, specifier]) => {
          const version = specifier.startsWith('workspace:')
            ? linkTo(root, dir, workspace.get(name))
            : known.get(`${name}@${specifier}`);
          if (version === undefined)
            throw new Error(`${dir}: no package in the lockfile resolves ${name}@${specifier}`);
          return [name, { specifier, version }];
        }),
      );
    }
    lockfile.importers[posix.normalize(dir)] = importer;
  }
  writeFileSync(path, stringify(lockfile, { lineWidth: 0 }));
}

/** Workspace package name -> its folder, read from each importer's package.json. */
function workspacePackages(lockfile: Lockfile, root: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const dir of Object.keys(lockfile.importers)) {
    const { name } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name?: string };
    if (name) names.set(name, dir);
  }
  return names;
}

function linkTo(root: string, from: string, to: string | undefined): string | undefined {
  if (to === undefined) return undefined;
  return `link:${relative(join(root, from), join(root, to)).split('\\').join('/')}`;
}
