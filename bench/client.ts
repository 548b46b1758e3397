/** Requests to one bench server over loopback, as a browser makes them: keep-alive, with a cookie jar. */
import http from 'node:http';

/** One client: one keep-alive connection and the session cookie it holds. */
export class JarClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  cookie = '';

  constructor(private readonly port: number) {}

  /** GETs `path`, keeps any session cookie the response sets, and fails on anything but a 200. */
  get(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const headers = this.cookie === '' ? {} : { cookie: this.cookie };
      const req = http.get({ host: '127.0.0.1', port: this.port, path, agent: this.agent, headers }, res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (body += chunk));
        res.on('end', () => {
          this.cookie = jarCookie(res.headers['set-cookie'], this.cookie);
          if (res.statusCode === 200) resolve(body);
          else reject(new Error(`GET ${path} on port ${this.port}: ${res.statusCode} ${body.slice(0, 200)}`));
        });
      });
      req.on('error', reject);
    });
  }

  /** Sends `count` requests to `path`, one after another. */
  async repeat(path: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.get(path);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The Cookie header after a response with these Set-Cookie headers: their name=value pairs, the rest kept. */
export function jarCookie(setCookies: readonly string[] | undefined, current: string): string {
  if (setCookies === undefined || setCookies.length === 0) return current;
  const jar = new Map(
    current
      .split('; ')
      .filter(Boolean)
      .map(pair => [pair.slice(0, pair.indexOf('=')), pair] as const),
  );
  for (const header of setCookies) {
    const pair = header.split(';')[0];
    const name = pair.slice(0, pair.indexOf('='));
    // A cleared cookie (empty value or an expiry in the past) leaves the jar.
    if (pair.endsWith('=') || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
    else jar.set(name, pair);
  }
  return [...jar.values()].join('; ');
}
