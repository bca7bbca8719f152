// One contender of the registration race (race.test.ts): opens the shared database file, says
// "ready", waits for "go" on stdin, then registers every contested username once, printing one
// JSON line per attempt: { name, outcome: "ok" | error code }.
import { openDatabase } from '../database.ts';
import { createUsersRepository } from '../repository.ts';

const [dbPath, countText, contender] = process.argv.slice(2);
if (!dbPath || !countText) {
  console.error('usage: register-race.ts <db path> <usernames> <contender>');
  process.exit(2);
}
const db = openDatabase(dbPath, { busyTimeoutMs: 10_000 });
const users = createUsersRepository(db);
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  for (let i = 0; i < Number(countText); i++) {
    const name = `racer-${i}`;
    let outcome = 'ok';
    try {
      users.insert({ username: name, email: `${name}.${contender}@example.com`, passwordHash: 'scrypt$x' });
    } catch (error) {
      outcome = String((error as { code?: unknown }).code ?? error);
    }
    process.stdout.write(`${JSON.stringify({ name, outcome })}\n`);
  }
  db.close();
  process.exit(0);
});
