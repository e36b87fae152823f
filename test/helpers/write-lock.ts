import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A separate process that takes the write lock with BEGIN IMMEDIATE and holds it until told to release. */
export function holdWriteLock(dbPath: string): { child: ChildProcess; locked: Promise<void>; release(): Promise<void> } {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, dbPath], { stdio: ['pipe', 'pipe', 'inherit'], cwd: process.cwd() });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    child,
    locked,
    async release() {
      const exited = once(child, 'exit');
      child.stdin!.write('release\n');
      await exited;
    },
  };
}
