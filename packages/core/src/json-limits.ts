// Bounds on the shape of a parsed JSON message, checked before any schema sees it: a message
// nested thousands of levels deep overflows the stack of every recursive walker after it (zod,
// JSON.stringify in an error path), and one with hundreds of thousands of members makes every
// check of it slow and every error about it huge. The walk is iterative and stops at the first
// bound crossed, so a hostile message costs at most its own size once.

export interface JsonLimits {
  /** Deepest nesting of objects and arrays (the message itself is level 1). */
  maxDepth: number;
  /** Most members in all: object keys and array items, at every level. */
  maxMembers: number;
}

/**
 * 64 levels: an MCP request is 3 deep before its arguments, and no tool's arguments need 60 more.
 * 100,000 members: a 4 MiB body of small numbers in one array is about 1,000,000, but no request a
 * server here serves needs a tenth of that.
 */
export const JSON_LIMITS: JsonLimits = { maxDepth: 64, maxMembers: 100_000 };

/** What is wrong with the shape of `value`, or undefined when it is within `limits`. */
export function jsonShapeProblem(value: unknown, limits: JsonLimits = JSON_LIMITS): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Array<{ node: object; depth: number }> = [{ node: value, depth: 1 }];
  let members = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: object; depth: number };
    if (depth > limits.maxDepth) return `it is nested deeper than ${limits.maxDepth} levels`;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    members += children.length;
    if (members > limits.maxMembers)
      return `it has more than ${limits.maxMembers} members (object keys and array items)`;
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}
