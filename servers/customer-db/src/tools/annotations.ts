// The hints every tool declares (all four, explicitly): nothing here reaches outside the database.
import type { ToolAnnotations } from '@mcp-stack/core';

export const READ: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** Adds a record; calling again adds another (or is refused as a duplicate). */
export const CREATE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};

/** Overwrites values (the old ones are gone); the same call again changes nothing more. */
export const OVERWRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};

export const SCOPE_READ = ['customers:read'] as const;
export const SCOPE_WRITE = ['customers:write'] as const;
