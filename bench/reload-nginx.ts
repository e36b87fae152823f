import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where nginx is, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  const r = spawnSync('which', ['nginx'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** A private nginx master on 127.0.0.1:`port` whose locations a trial can add and reload. */
export interface NginxBaseline {
  url: string;
  /** Appends `location /<marker>/` proxying to `upstreamUrl`, then runs `nginx -s reload` (not awaited). */
  addLocationAndReload(marker: string, upstreamUrl: string): void;
  stop(): Promise<void>;
}

/**
 * Starts nginx with its own prefix, config and pid file (nothing of the system's nginx is touched).
 * The reload signal is sent by `nginx -s reload`, as an operator would; the timing includes that process.
 */
export async function startNginx(nginx: string, dir: string, port: number): Promise<NginxBaseline> {
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  const routes = join(prefix, 'routes.conf');
  writeFileSync(routes, '');
  const tmp = join(prefix, 'tmp');
  writeFileSync(
    conf,
    [
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')};`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi;`,
      `  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;`,
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    include ${routes};`,
      '    location / { return 404; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', prefix, '-c', conf];
  const master = spawn(nginx, [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => master.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('nginx did not start within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    url,
    addLocationAndReload(marker, upstreamUrl) {
      appendFileSync(routes, `location /${marker}/ { proxy_pass ${upstreamUrl}; }\n`);
      spawn(nginx, [...args, '-s', 'reload'], { stdio: 'ignore' });
    },
    async stop() {
      master.kill('SIGQUIT');
      await exited;
    },
  };
}
