// The Tasks extension's methods in core's one method table (methods.ts): modern era only.
import { describe, expect, it } from 'vitest';
import { checkParams } from '../methods.ts';

describe('the tasks methods in the method table', () => {
  it('exist only in the modern era, with a taskId (and answers for tasks/update)', () => {
    expect(checkParams('tasks/get', { taskId: 'abc' }, 'modern')).toMatchObject({ taskId: 'abc' });
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel'])
      expect(() => checkParams(method, { taskId: 'abc', inputResponses: {} }, 'legacy')).toThrow(
        expect.objectContaining({ code: -32601 }),
      );
    expect(() => checkParams('tasks/get', {}, 'modern')).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => checkParams('tasks/update', { taskId: 'abc' }, 'modern')).toThrow(
      expect.objectContaining({ code: -32602 }),
    );
    // removed by SEP-2663: the result is inlined in tasks/get, and there is no list
    for (const method of ['tasks/result', 'tasks/list'])
      expect(() => checkParams(method, { taskId: 'abc' }, 'modern')).toThrow(
        expect.objectContaining({ code: -32601 }),
      );
  });
});
