/**
 * The commit point holds from the first request of a process, whatever middlewares keep their own references to
 * the response's methods, before or after the session middleware. Each case runs in a fresh process.
 */
import { expect } from 'chai';
import { type ChildApp, startChildApp } from '../support/child-app';

const FIXTURE = 'spec/compat/fixtures/first-request-app.ts';

/** The `session=...` pair the response sets, or undefined. */
function sessionCookie(response: Response): string | undefined {
  return response.headers
    .getSetCookie()
    .find(line => line.startsWith('session='))
    ?.split(';')[0];
}

async function visits(app: ChildApp, cookie: string): Promise<unknown> {
  const response = await fetch(`${app.url}/visits`, { headers: { cookie } });
  return ((await response.json()) as { visits: unknown }).visits;
}

describe('the first requests of a process (compat)', function () {
  this.timeout(30000);

  const cases = [
    {
      mode: 'before',
      title: 'helmet, response-time, morgan and compression on the app, routing-controllers after them',
    },
    { mode: 'after', title: 'compression after the session middleware, in the same @UseBefore' },
    { mode: 'express', title: 'plain express with sessionMiddleware() after compression' },
  ];
  for (const { mode, title } of cases) {
    describe(title, () => {
      let app: ChildApp;
      beforeEach(async () => (app = await startChildApp(FIXTURE, { APP_MODE: mode })));
      afterEach(() => app.stop());

      it('saves the very first write and sends its cookie, compressed', async () => {
        const response = await fetch(`${app.url}/visits`, { method: 'POST', headers: { 'accept-encoding': 'gzip' } });
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-encoding')).to.equal('gzip');
        expect(((await response.json()) as { visits: number }).visits).to.equal(1);
        const cookie = sessionCookie(response);
        expect(cookie, 'Set-Cookie of the first write').to.be.a('string');
        expect(await visits(app, cookie!)).to.equal(1);
      });

      it('saves every write of a burst of concurrent first requests', async () => {
        const responses = await Promise.all(
          Array.from({ length: 16 }, () =>
            fetch(`${app.url}/visits`, { method: 'POST', headers: { 'accept-encoding': 'gzip' } }),
          ),
        );
        const cookies = responses.map(sessionCookie);
        expect(responses.map(response => response.status)).to.deep.equal(responses.map(() => 200));
        expect(cookies.filter(cookie => cookie === undefined)).to.have.length(0);
        expect(new Set(cookies).size).to.equal(cookies.length);
        for (const cookie of cookies) expect(await visits(app, cookie!)).to.equal(1);
      });
    });
  }
});
