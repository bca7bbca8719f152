// Bundles a server's entry points after tsc, so a client launching it over stdio starts fast:
//
//   node ../../scripts/bundle-bins.ts        (run in the package folder, after `tsc`)
//
// For each entry that tsc wrote (dist/bin.js, dist/stdio.js, dist/http.js), rolldown bundles
// it with its dependencies into dist/bundle-*.js, and the entry is replaced by a few lines that
// turn on Node's compile cache and import the bundle. What a transport does not use (the HTTP
// stack, metrics, JWT for stdio) stays in chunks that load only when asked for: core marks
// itself side-effect free and imports transports lazily. Native modules stay outside the bundle.
// The library API (dist/index.js and the rest) is left as tsc wrote it.
//
// Why: spawn to the first tools/list of the demo server went from 281 ms (tsc output, every module
// resolved and compiled on each start) to 90 ms, against 166 ms for the SDK's own minimal stdio
// server (`pnpm bench cold-start` for the figures of your machine).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'rolldown';

const ENTRIES = ['bin', 'stdio', 'http'];
/** Loaded by Node from node_modules at run time: native addons and what loads files by path. */
const EXTERNAL = ['better-sqlite3', 'koffi'];
const PREFIX = 'bundle-';
/**
 * Built-in modules the bundles load with require(), not an ESM import, and the getters of theirs
 * that load a module of their own. For an ESM import Node builds the module's namespace by reading
 * every export: node:http's WebSocket, MessageEvent and CloseEvent load undici and web streams
 * (12.8 MiB of resident memory in a bare HTTP server on Node 24), node:crypto's webcrypto 2.4 MiB,
 * node:fs's streams and node:util's abort signals about 1 MiB each. require() reads only what the
 * code uses. These getters are left out of the named exports, so a named import of one fails the
 * build; the default export (the module itself) still has them. The names exported are those of
 * the Node that builds (24 here): a name newer than the Node that runs is undefined there.
 */
const VIA_REQUIRE: Record<string, string[]> = {
  http: ['WebSocket', 'MessageEvent', 'CloseEvent'],
  crypto: ['webcrypto', 'subtle', 'getRandomValues'],
  fs: ['ReadStream', 'WriteStream', 'FileReadStream', 'FileWriteStream', 'Utf8Stream'],
  util: ['transferableAbortSignal', 'transferableAbortController', 'aborted'],
};
const VIRTUAL = '\0builtin-via-require:';

function builtinsViaRequire(): Plugin {
  const require = createRequire(import.meta.url);
  return {
    name: 'builtins-via-require',
    resolveId(id, _importer, { kind }) {
      // a bundled CommonJS dependency's require() stays one: it gets the module itself, which it
      // may patch or read hidden keys of, never a copy through an ESM namespace
      if (kind === 'require-call') return null;
      const name = id.replace(/^node:/, '');
      return Object.hasOwn(VIA_REQUIRE, name) ? `${VIRTUAL}${name}` : null;
    },
    load(id) {
      if (!id.startsWith(VIRTUAL)) return null;
      const name = id.slice(VIRTUAL.length);
      const costly = VIA_REQUIRE[name] ?? [];
      const names = Object.keys(require(`node:${name}`)).filter(
        (key) => /^[A-Za-z_$][\w$]*$/.test(key) && !costly.includes(key),
      );
      return [
        "import { createRequire } from 'node:module';",
        `const m = createRequire(import.meta.url)('node:${name}');`,
        'export default m;',
        ...names.map((key) => `export const ${key} = m.${key};`),
      ].join('\n');
    },
  };
}

const dist = join(process.cwd(), 'dist');
const entries = ENTRIES.filter((name) => existsSync(join(dist, `${name}.js`)));
if (entries.length === 0) {
  console.error(`bundle-bins: no dist/{${ENTRIES.join(',')}}.js in ${process.cwd()}: run tsc first`);
  process.exit(1);
}
const WRAPPER = '// bundled: ';
const wrapped = entries.filter((name) => readFileSync(join(dist, `${name}.js`), 'utf8').includes(WRAPPER));
if (wrapped.length > 0) {
  console.error(
    `bundle-bins: dist/${wrapped[0]}.js is already a bundle's entry, not tsc's output: run tsc first (pnpm build does both)`,
  );
  process.exit(1);
}
for (const file of readdirSync(dist)) if (file.startsWith(PREFIX)) rmSync(join(dist, file));

await build({
  input: Object.fromEntries(entries.map((name) => [name, join(dist, `${name}.js`)])),
  platform: 'node',
  external: (id) => EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
  plugins: [builtinsViaRequire()],
  logLevel: 'warn',
  onLog(level, log, handle) {
    // a name missing from a module read through require() above must fail the build, not be undefined
    if (log.code === 'MISSING_EXPORT' || log.code === 'IMPORT_IS_UNDEFINED') throw new Error(log.message);
    handle(level, log);
  },
  output: {
    dir: dist,
    format: 'esm',
    minify: true,
    // in dist/ itself, so `../package.json` (each server's version.ts) still finds the package
    entryFileNames: `${PREFIX}[name].js`,
    chunkFileNames: `${PREFIX}chunk-[hash].js`,
  },
});

/**
 * The package's oldest Node (`engines.node`, `>=X.Y[.Z]`), checked by each entry before the bundle
 * loads: an older Node does not fail cleanly on its own. better-sqlite3's prebuilt binary, for one,
 * kills Node 22.12 and 22.13 with a segmentation fault on its first query.
 */
const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
  name?: string;
  engines?: { node?: string };
};

function minimumNode(): [number, number, number] | undefined {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines?.node?.trim() ?? '');
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : undefined;
}

const minimum = minimumNode();
/** A version as one number (22.14.0 -> 22014000), as the entry computes the running Node's. */
const versionNumber = ([major = 0, minor = 0, patch = 0]: number[]) => major * 1e6 + minor * 1e3 + patch;
const versionCheck = minimum
  ? [
      "const [major = 0, minor = 0, patch = 0] = process.versions.node.split('.').map(Number);",
      `if (major * 1e6 + minor * 1e3 + patch < ${versionNumber(minimum)}) {`,
      `  process.stderr.write(\`${pkg.name ?? 'this server'} needs Node >= ${minimum.join('.')}; this is Node \${process.version} (\${process.execPath}). Install a newer Node and run it again.\\n\`);`,
      '  process.exit(1);',
      '}',
    ]
  : [];

for (const name of entries) {
  rmSync(join(dist, `${name}.js.map`), { force: true }); // tsc's map, of the file replaced here
  writeFileSync(
    join(dist, `${name}.js`),
    [
      '#!/usr/bin/env node',
      `${WRAPPER}${PREFIX}${name}.js, run with Node's compile cache on (NODE_DISABLE_COMPILE_CACHE=1 turns it off)`,
      ...versionCheck,
      // imported after the check: a static import links first, and an old Node lacks this export
      "const { enableCompileCache } = await import('node:module');",
      'enableCompileCache?.();',
      `await import('./${PREFIX}${name}.js');`,
      '',
    ].join('\n'),
  );
}
console.error(`bundle-bins: ${entries.map((name) => `dist/${name}.js`).join(', ')} bundled`);
