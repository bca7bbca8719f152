// The public API of @mcp-stack/create-server, by name.
export { type Args, HELP, parseArgs, UsageError } from './args.ts';
export { camelCase, nameProblem, RESERVED_NAMES, type ServerNames, serverNames, snakeCase } from './names.ts';
export { loadOpenApi, parseOpenApi } from './openapi/load.ts';
export {
  type ArgPlan,
  annotationsFor,
  type MapOptions,
  type Mapping,
  mapOpenApi,
  type ToolPlan,
  toolName,
} from './openapi/map.ts';
export { type OpenApiPlan, openApiFiles, renderTool } from './openapi/render.ts';
export { sampleCall } from './openapi/sample.ts';
export { FIRST_NEW_PORT, nextFreePort, usedPorts } from './ports.ts';
export { ScaffoldError, type ScaffoldOptions, type ScaffoldResult, scaffold } from './scaffold.ts';
export { commonFiles, type GeneratedFile, handFiles, type PackagePlan } from './templates.ts';
export {
  composeBlock,
  type DeployTarget,
  dockerStage,
  type Edit,
  editCompose,
  editDockerfile,
  editStack,
  findRoot,
  STACK_MARKER,
  stackEntry,
} from './workspace.ts';
