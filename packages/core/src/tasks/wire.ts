// The Tasks extension's shapes on the wire (ext-tasks schema: Task, DetailedTask, CreateTaskResult)
// and its two refusals. Kept apart from the engine so what a client sees is read in one place.

import type { RequestEnv } from '../dispatch.ts';
import { protocolError } from '../protocol-error.ts';
import type { TaskRecord } from './store.ts';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** What -32021 carries so a client can see what to declare (SEP-2575 "Missing Required Capabilities"). */
const REQUIRED = { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } };

/** Whether this request declared the extension in `_meta["io.modelcontextprotocol/clientCapabilities"]`. */
export function declaresTasks(env: RequestEnv): boolean {
  const extensions = env.modern?.clientCapabilities.extensions;
  if (extensions === null || typeof extensions !== 'object') return false;
  const declared = (extensions as Record<string, unknown>)[TASKS_EXTENSION];
  return declared !== null && typeof declared === 'object';
}

/** tasks/get, tasks/update, tasks/cancel from a request that did not declare the extension. */
export function tasksNotDeclared(method: string) {
  return protocolError(
    'MissingRequiredClientCapability',
    `${method} is part of the tasks extension: declare "${TASKS_EXTENSION}" under extensions in _meta["io.modelcontextprotocol/clientCapabilities"]`,
    REQUIRED,
  );
}

/** A tool that only runs as a task, called by a client that cannot take one. */
export function taskRequired(tool: string) {
  return protocolError(
    'MissingRequiredClientCapability',
    `${tool} runs only as a task: call it with MCP 2026-07-28, declaring "${TASKS_EXTENSION}" under extensions in _meta["io.modelcontextprotocol/clientCapabilities"]`,
    REQUIRED,
  );
}

/** -32602 for a task that does not exist, expired, or is another caller's: the same answer for all three. */
export function unknownTask(taskId: unknown) {
  return protocolError(
    'InvalidParams',
    `unknown task ${JSON.stringify(taskId)}: it does not exist, has expired (a task is kept for its ttlMs), or was created by another caller`,
  );
}

/** The Task fields every shape has. */
function task(record: TaskRecord): Record<string, unknown> {
  return {
    taskId: record.taskId,
    status: record.status,
    ...(record.statusMessage !== undefined && { statusMessage: record.statusMessage }),
    createdAt: new Date(record.createdAt).toISOString(),
    lastUpdatedAt: new Date(record.lastUpdatedAt).toISOString(),
    ttlMs: record.ttlMs,
    pollIntervalMs: record.pollIntervalMs,
  };
}

/** tasks/get's DetailedTask: the result when completed, the error when failed, the questions when input_required. */
export function detailedTask(record: TaskRecord): Record<string, unknown> {
  return {
    ...task(record),
    ...(record.status === 'completed' && record.result && { result: record.result }),
    ...(record.status === 'failed' && record.error && { error: record.error }),
    ...(record.status === 'input_required' && { inputRequests: record.inputRequests ?? {} }),
  };
}

const created = new WeakSet<object>();

/** The CreateTaskResult a tools/call answers: flat (Result & Task), `resultType: "task"`. */
export function createTaskResult(record: TaskRecord): Record<string, unknown> {
  const result = { ...task(record), resultType: 'task' };
  created.add(result);
  return result;
}

/** Whether a handler's result is a CreateTaskResult (kept as is, not made a `complete` result). */
export function isCreateTaskResult(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && created.has(value);
}
