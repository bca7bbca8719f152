// What a spawned bin must not inherit from the developer's shell.

/**
 * Every variable of this shell that would change what a spawned server does (transport, port,
 * auth, limits, data paths, its upstream), blanked: the servers take an empty value as unset.
 * Spread it first, then what the test sets.
 */
export function cleanEnv(): Record<string, string> {
  const blank: Record<string, string> = {};
  for (const name of Object.keys(process.env)) {
    // MCP_STACK_TEST_RUN marks the test run's processes (scripts/vitest): kept, so leftovers are found
    if (name === 'MCP_STACK_TEST_RUN') continue;
    if (/^(MCP_|USERS_API_|USERS_DB_|CUSTOMER_DB_|JOKE_API_)/.test(name)) blank[name] = '';
  }
  return { ...blank, MCP_STACK_DATA_DIR: '', ENVIRONMENT: '' };
}
