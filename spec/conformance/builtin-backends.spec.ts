/** Runs the backend conformance suite for the built-in backends and for a user's README-style backend. */
import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Container, Service } from 'typedi';
import { CookieBackend, InMemoryBackend, SessionMiddleware } from '../../src';
import { SECRET, createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { MapBackend } from '../support/map-backend';
import { ConformanceSession, describeBackendConformance } from './backend-conformance';
import { describeMergeConformance } from './merge-conformance';
import { describeUserSessionsConformance } from './user-sessions-conformance';
import { countVisit } from '../support/session-controller';

describeBackendConformance('InMemoryBackend', () => new InMemoryBackend(), { revocable: true, locks: true });
// The same merge semantics as RedisBackend, so tests and single-process apps behave like a shared store.
describeMergeConformance('InMemoryBackend', () => new InMemoryBackend());
describeUserSessionsConformance('InMemoryBackend', options => new InMemoryBackend(options));

describeBackendConformance('CookieBackend', () => new CookieBackend({ secretKey: SECRET }), {
  revocable: false,
  serverSideIds: false,
  // The signature's age is bounded by maxAge (or ctx.lifetime), not by ctx.ttl; the middleware ends the session
  // from the expiry kept in the signed data.
  honoursTtl: false,
});

describeBackendConformance(
  'InMemoryBackend with a schema',
  () => new InMemoryBackend(),
  { revocable: true, locks: true },
  {
    sessionOptions: {
      schema: ConformanceSession,
      validation: { validator: { forbidNonWhitelisted: true, whitelist: true }, beforeSave: true },
    },
  },
);

describeBackendConformance(
  'CookieBackend with a schema',
  () => new CookieBackend({ secretKey: SECRET }),
  {
    revocable: false,
    serverSideIds: false,
    honoursTtl: false,
  },
  { sessionOptions: { schema: ConformanceSession, validation: { beforeSave: true } } },
);

describeBackendConformance('a custom backend with only the four methods (MapBackend)', () => new MapBackend(), {
  revocable: true,
  copiesData: false,
  honoursTtl: false,
  createsOnlyIfAbsent: false,
});

@JsonController('/builtin')
@UseBefore(SessionMiddleware)
@Service()
class CounterController {
  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }
}

describe('a custom backend given as a class', () => {
  it('is resolved from the container and keeps the session', async () => {
    const app = createApp([CounterController], { backend: MapBackend });
    const first = await request(app).get('/builtin/count').expect(200);
    const second = await request(app).get('/builtin/count').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).to.deep.equal({ count: 2 });
    expect(
      await Container.get(MapBackend).exists(sessionCookie(first)!.value),
      "the record in the container's instance",
    ).to.equal(true);
  });
});
