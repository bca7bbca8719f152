import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

export type Json = Record<string, unknown>;

/** An OpenAPI document from a file or an http(s) URL, JSON or YAML (3.0 or 3.1). */
export async function loadOpenApi(source: string, fetchImpl: typeof fetch = fetch): Promise<Json> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    const response = await fetchImpl(source, { signal: AbortSignal.timeout(15_000) });
    if (!response.ok) throw new Error(`GET ${source} answered ${response.status}: not an OpenAPI document`);
    text = await response.text();
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${source}: ${(error as Error).message}`);
    }
  }
  return parseOpenApi(text, source);
}

export function parseOpenApi(text: string, source = 'the document'): Json {
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`${source} is neither JSON nor YAML: ${(error as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${source} is not an object`);
  const version = (doc as Json).openapi;
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    throw new Error(
      `${source} is not an OpenAPI 3.0 or 3.1 document (openapi: ${JSON.stringify(version ?? (doc as Json).swagger)}); convert Swagger 2.0 first`,
    );
  }
  if (!(doc as Json).paths || typeof (doc as Json).paths !== 'object')
    throw new Error(`${source} has no paths`);
  return doc as Json;
}
