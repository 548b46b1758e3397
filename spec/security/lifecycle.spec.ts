/**
 * Replays against the timeouts: copies of cookies a user was once given must not outlive the session's deadlines,
 * however active the user stays. Stateless cookie sessions are the hard case (the server keeps nothing to delete).
 */
import { expect } from 'chai';
import request from 'supertest';
import { InMemoryBackend, type SessionBackend, type SessionOptions } from '../../src';
import { FakeClock } from '../support/clock';
import { cookieHeader, isCleared, sessionCookie } from '../support/cookies';
import { sessionApp } from '../support/session-controller';
import { FLAVOURS } from '../support/security/cookie-flavours';

const BACKENDS: ReadonlyArray<readonly [string, () => SessionBackend]> = [
  ...FLAVOURS.map(flavour => [flavour.name, () => flavour.build(undefined, 400 * 24 * 3600)] as const),
  ['InMemoryBackend', () => new InMemoryBackend()],
];

/** Keeps a session busy every `step` seconds for `duration`, and returns every Cookie header it was ever given. */
async function activeUser(
  app: ReturnType<typeof sessionApp>,
  clock: FakeClock,
  step: number,
  duration: number,
): Promise<string[]> {
  const issued = [cookieHeader(await request(app).post('/s/increment').expect(200))];
  for (let elapsed = step; elapsed <= duration; elapsed += step) {
    clock.advance(step);
    const res = await request(app).post('/s/increment').set('Cookie', issued.at(-1)!).expect(200);
    if (sessionCookie(res) !== undefined) issued.push(cookieHeader(res));
  }
  return issued;
}

async function expectNoSession(app: ReturnType<typeof sessionApp>, cookie: string): Promise<void> {
  const res = await request(app).get('/s/read').set('Cookie', cookie).expect(200);
  expect(res.body.data).to.deep.equal({});
  const sent = sessionCookie(res);
  expect(sent === undefined || isCleared(sent), 'never re-issued').to.equal(true);
}

describe('security: timeouts against replayed cookies', () => {
  for (const [name, makeBackend] of BACKENDS) {
    describe(name, () => {
      it('no cookie ever issued loads after the absolute timeout, though the user was active throughout', async () => {
        const clock = new FakeClock();
        const options: SessionOptions = {
          clock: clock.now,
          lifetime: 600,
          rolling: true,
          touchAfter: 0,
          absoluteTimeout: 1800,
        };
        const app = sessionApp({ ...options, backend: makeBackend() });
        const issued = await activeUser(app, clock, 300, 1500);
        expect((await request(app).get('/s/read').set('Cookie', issued.at(-1)!).expect(200)).body.data).to.deep.equal({
          count: 6,
        });
        clock.advance(300); // 1800 seconds after creation
        for (const cookie of issued) await expectNoSession(app, cookie);
      });

      // A server-side id is the same live session in every copy; a stateless cookie carries its own deadline.
      if (!makeBackend().revocable) {
        it('an early copy of a rolling cookie expires at its own idle deadline while the user stays active', async () => {
          const clock = new FakeClock();
          const app = sessionApp({
            clock: clock.now,
            lifetime: 3600,
            idleTimeout: 600,
            touchAfter: 0,
            backend: makeBackend(),
          });
          const issued = await activeUser(app, clock, 300, 900);
          // The copy from the first response says "idle after 600 s"; 900 s later it is dead, the user is not.
          await expectNoSession(app, issued[0]);
          expect((await request(app).get('/s/read').set('Cookie', issued.at(-1)!).expect(200)).body.data).to.deep.equal(
            { count: 4 },
          );
        });
      }
    });
  }
});
