// Spawned by logger.test.ts: logs at every level, with secrets everywhere, and must leave stdout empty.
import { createLogger, withRequestId } from '../logger.ts';

const logger = createLogger({ level: (process.env.LOG_LEVEL as 'trace') ?? 'info', name: 'fixture' });
const request = withRequestId(logger, 'req-1');
const secrets = {
  args: { username: 'alice', password: 'hunter2-password' },
  headers: {
    authorization: 'Bearer tok-abcdef123456',
    cookie: 'sid=cookie-secret',
    'x-api-key': 'key-123456',
  },
  url: 'https://bob:pa55word@api.example.test/v1/users?api_key=query-secret&page=2',
};
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
  request[level](secrets, `at ${level} calling https://bob:pa55word@api.example.test/?token=query-token`);
}
request.error(new Error('failed to fetch https://carol:err-secret@db.example.test/'));
logger.child({ headers: { authorization: 'Basic child-binding-secret' } }).info('child');
