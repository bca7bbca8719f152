import { readFileSync } from 'node:fs';
import { type K8sObject, parseObjects } from './render.ts';

/** docs/deployment.md: what an operator follows. */
export const DEPLOYMENT_DOC = readFileSync(new URL('../../docs/deployment.md', import.meta.url), 'utf8');

/** The Secret manifests the doc gives as examples (its YAML code blocks that hold Secrets). */
export function exampleSecrets(doc = DEPLOYMENT_DOC): K8sObject[] {
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.filter((block) => /kind: Secret/.test(block)).flatMap((block) => parseObjects(block));
}

/**
 * The example Secrets' values with their placeholders filled in (`<a random secret of 16+
 * characters>` becomes 24 characters), keyed `name/key`: what an operator who follows the doc stores.
 */
export function filledExampleSecrets(doc = DEPLOYMENT_DOC): Map<string, string> {
  const values = new Map<string, string>();
  for (const secret of exampleSecrets(doc)) {
    const data = (secret as { stringData?: Record<string, string> }).stringData ?? {};
    for (const [key, value] of Object.entries(data)) {
      values.set(
        `${secret.metadata.name}/${key}`,
        value
          // "<a random secret of N+ characters>": a value that long, as the bin requires
          .replace(/<[^>]*?(\d+)\+ characters[^>]*>/g, (_m, n: string) => 'x'.repeat(Number(n) + 8))
          .replace(/<[^>]+>/g, 'placeholder'),
      );
    }
  }
  return values;
}
