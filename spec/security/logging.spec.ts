/**
 * Logging hygiene: no secret, cookie value, session id or session payload in any error, error response or log line
 * the library produces, on every failure path.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { inspect } from 'node:util';
import request from 'supertest';
import { InMemoryBackend, type SessionOptions } from '../../src';
import { SECRET } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { sessionApp } from '../support/session-controller';

const PAYLOAD = 'payload-secret-value';

/** Everything an operator could see of one failing request: the response and every error reported. */
async function observe(
  options: SessionOptions,
  act: (app: ReturnType<typeof sessionApp>) => Promise<request.Response>,
) {
  const reported: Error[] = [];
  const app = sessionApp({ ...options, onError: error => reported.push(error) });
  const res = await act(app);
  const headers = Object.entries(res.headers).filter(([name]) => name !== 'set-cookie');
  return [
    res.text,
    JSON.stringify(headers),
    ...reported.map(error => `${inspect(error, { depth: 5 })} ${error.message}`),
  ].join('\n');
}

describe('security: logging hygiene', () => {
  for (const operation of ['read', 'write', 'remove'] as const) {
    it(`a failing ${operation} reports no id, cookie, payload or secret`, async () => {
      const backend = new FaultyBackend(new InMemoryBackend());
      const app = sessionApp({ backend });
      const login = await request(app).post(`/s/set?token=${PAYLOAD}`).expect(200);
      const cookie = cookieHeader(login);
      const id = sessionCookie(login)!.value;
      backend.failing.add(operation);
      const seen = await observe({ backend }, app =>
        request(app)
          .post(operation === 'remove' ? '/s/destroy' : '/s/increment')
          .set('Cookie', cookie),
      );
      expect(seen).to.match(/503|session store/);
      for (const sensitive of [id, PAYLOAD, SECRET]) expect(seen).to.not.include(sensitive);
    });
  }

  it('a backend call that times out reports no id', async () => {
    const backend = new FaultyBackend(new InMemoryBackend());
    const cookie = cookieHeader(await request(sessionApp({ backend })).post('/s/increment').expect(200));
    backend.hanging.add('write');
    const seen = await observe({ backend, backendTimeout: 0.02 }, app =>
      request(app).post('/s/increment').set('Cookie', cookie),
    );
    expect(seen).to.include('did not answer');
    expect(seen).to.not.include(cookie.slice('session='.length));
  });

  it('a session too large for a cookie reports its size, not its content', async () => {
    const big = 'x'.repeat(5000);
    const seen = await observe({}, app => request(app).post(`/s/set?blob=${big}&token=${PAYLOAD}`));
    expect(seen).to.include('COOKIE_TOO_LARGE');
    expect(seen).to.not.include(PAYLOAD);
    expect(seen).to.not.include(SECRET);
  });

  it('debug lines (NODE_DEBUG=routing-controllers-sessions) carry no id, payload or secret', async function () {
    this.timeout(60_000); // a child process with ts-node
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'spec/support/security/log-probe.ts'],
        { env: { ...process.env, NODE_DEBUG: 'routing-controllers-sessions' }, timeout: 50_000 },
        (error, out, err) =>
          error ? reject(Object.assign(error, { stderr: err })) : resolve({ stdout: out, stderr: err }),
      );
    });
    const probe = JSON.parse(stdout) as { statuses: Record<string, number>; sensitive: string[] };
    expect(probe.statuses, 'bad cookies and ended sessions are empty sessions; a silent store is a 503').to.deep.equal({
      invalid: 200,
      twice: 200,
      tampered: 200,
      'too old': 200,
      expired: 200,
      revoked: 200,
      malformed: 200,
      'not plain': 200,
      'too deep': 200,
      timeout: 503,
    });
    const lines = [
      /stored session data failed the schema ProbeSession/,
      /the Cookie header carries the session cookie more than once/,
      /session cookie rejected: it does not open under any key/,
      /session cookie rejected: it is too old, or dated in the future/,
      /session ended on the server: expired/,
      /session ended on the server: revoked/,
      /session cookie ignored: not 1 to 4096 cookie-octets/,
      /session ended on the server: the stored record is not a plain object/,
      /session ended on the server: the stored record is nested deeper than 512 levels/,
      /backend read did not answer within 100 ms/,
    ];
    for (const line of lines) expect(stderr).to.match(new RegExp(`ROUTING-CONTROLLERS-SESSIONS \\d+: ${line.source}`));
    for (const sensitive of probe.sensitive) expect(stderr).to.not.include(sensitive);
  });
});
