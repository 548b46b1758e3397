/**
 * The user-sessions conformance suite ("log out everywhere"): what every backend implementing `UserSessions` must
 * do with a `userKey` (and a `labelKey`), checked on the backend and through the real middleware over HTTP.
 *
 * @example
 * describeUserSessionsConformance('RedisBackend', options => new RedisBackend({ client, prefix, ...options }));
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import {
  type BackendContext,
  type SessionBackend,
  SessionError,
  SessionMiddleware,
  type UserIndexOptions,
  type UserSessions,
  hasUserSessions,
} from '../../src';
import { createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';
import type { ConformanceHooks } from './backend-conformance';

type IndexedBackend = SessionBackend & UserSessions;

/** The backend the controller below lists and destroys with: the current spec's. */
let current: IndexedBackend;

@JsonController('/account')
@UseBefore(SessionMiddleware)
@Service()
class AccountController {
  /** Logs in as `?user=`, labelling the session with the client's User-Agent. */
  @Post('/login')
  async login(@Req() req: Request) {
    await req.session.regenerate();
    req.session.userId = String(req.query.user);
    req.session.device = req.get('user-agent');
    return {};
  }

  /** "Your sessions": the label of each, and which one is this one. */
  @Get('/sessions')
  async sessions(@Req() req: Request) {
    await req.session.load();
    const here = current.handleOf(req.session.id!);
    const listed = await current.listUserSessions(req.session.userId as string);
    return listed.map(info => ({ label: info.label, here: info.handle === here, created: info.createdAt?.getTime() }));
  }

  @Post('/logout-others')
  async logoutOthers(@Req() req: Request) {
    await req.session.load();
    return { destroyed: await current.destroyUserSessions(req.session.userId as string, { except: req.session.id }) };
  }

  @Get('/me')
  async me(@Req() req: Request) {
    await req.session.load();
    return { userId: req.session.userId ?? null };
  }
}

/** Declares the user-sessions specs for one backend; `factory` gets the index options and is called for every spec. */
export function describeUserSessionsConformance(
  name: string,
  factory: (options: UserIndexOptions) => SessionBackend | Promise<SessionBackend>,
  hooks: ConformanceHooks = {},
): void {
  describe(`${name} user sessions conformance`, () => {
    let backend: IndexedBackend;
    const made: SessionBackend[] = [];

    async function make(options: UserIndexOptions): Promise<IndexedBackend> {
      const made_ = await factory(options);
      made.push(made_);
      if (!hasUserSessions(made_)) throw new Error(`${name} does not implement UserSessions`);
      return made_;
    }

    beforeEach(async () => {
      backend = await make({ userKey: 'userId', labelKey: 'device' });
    });

    afterEach(async () => {
      for (const each of made.splice(0)) await hooks.dispose?.(each);
    });

    const now = () => Math.floor(Date.now() / 1000);
    const ctx = (extra: Partial<BackendContext> = {}): BackendContext => ({
      ttl: 3600,
      lifetime: 3600,
      isNew: true,
      now: now(),
      ...extra,
    });
    const merge = (changed: string[], removed: string[] = []) => ctx({ isNew: false, changes: { changed, removed } });
    const handles = async (userId: string | number) =>
      (await backend.listUserSessions(userId)).map(info => info.handle);

    it('lists the live sessions of a user with their created and last-access times, label and time left', async () => {
      const created = now() - 100;
      const metadata = { created, accessed: created + 40, expires: created + 3600 };
      const mine = [
        await backend.write({ userId: 7, device: 'phone', __session: metadata }, undefined, ctx()),
        // The same user as a string, as a route parameter would bring it.
        await backend.write({ userId: '7', __session: metadata }, undefined, ctx()),
      ];
      await backend.write({ userId: 8 }, undefined, ctx());
      await backend.write({ userId: '7.0' }, undefined, ctx()); // not 7: ids are compared as text
      const listed = await backend.listUserSessions(7);
      expect(listed.map(info => info.handle)).to.have.members(mine.map(id => backend.handleOf(id)));
      const phone = listed.find(info => info.handle === backend.handleOf(mine[0]))!;
      expect(phone.createdAt?.getTime()).to.equal(created * 1000);
      expect(phone.lastAccessAt?.getTime()).to.equal((created + 40) * 1000);
      expect(phone.label).to.equal('phone');
      expect(phone.metadata).to.deep.equal(metadata);
      expect(phone.expiresInMs).to.be.within(3_590_000, 3_600_000);
      expect(listed.find(info => info.handle === backend.handleOf(mine[1]))!.label).to.equal(undefined);
      for (const info of listed) expect(info.handle).to.not.be.oneOf(mine);
    });

    it('shows a refresh as the last access', async () => {
      const created = now() - 100;
      const id = await backend.write(
        { userId: 7, __session: { created, accessed: created, expires: created + 3600 } },
        undefined,
        ctx(),
      );
      const refreshed = { created, accessed: created + 90, expires: created + 7200 };
      await backend.touch!(id, refreshed, ctx({ isNew: false, ttl: 7200 }));
      const [info] = await backend.listUserSessions(7);
      expect(info.lastAccessAt?.getTime()).to.equal((created + 90) * 1000);
      expect(info.expiresInMs).to.be.above(7_000_000);
    });

    it('labels nothing without a labelKey, and only with a string', async () => {
      const plain = await make({ userKey: 'userId' });
      await plain.write({ userId: 1, device: 'phone' }, undefined, ctx());
      expect((await plain.listUserSessions(1))[0].label).to.equal(undefined);
      await backend.write({ userId: 2, device: { name: 'phone' } }, undefined, ctx());
      expect((await backend.listUserSessions(2))[0].label).to.equal(undefined);
    });

    it("destroys every session of a user but the one excepted, and no one else's", async () => {
      const [here, other, third] = [
        await backend.write({ userId: 7 }, undefined, ctx()),
        await backend.write({ userId: 7 }, undefined, ctx()),
        await backend.write({ userId: 7 }, undefined, ctx()),
      ];
      const stranger = await backend.write({ userId: 8 }, undefined, ctx());
      expect(await backend.destroyUserSessions('7', { except: here })).to.equal(2);
      expect(await backend.read(here, ctx()), 'the excepted session').to.not.equal(undefined);
      expect(await backend.read(other, ctx())).to.equal(undefined);
      expect(await backend.read(third, ctx())).to.equal(undefined);
      expect(await backend.read(stranger, ctx()), "another user's session").to.deep.include({ userId: 8 });
      expect(await backend.destroyUserSessions(7)).to.equal(1);
      expect(await backend.read(here, ctx())).to.equal(undefined);
      expect(await backend.listUserSessions(7)).to.deep.equal([]);
      expect(await backend.destroyUserSessions(7)).to.equal(0);
    });

    it('lists and destroys a user with many sessions', async () => {
      for (let i = 0; i < 60; i++) await backend.write({ userId: 'many' }, undefined, ctx());
      expect(await backend.listUserSessions('many')).to.have.length(60);
      expect(await backend.destroyUserSessions('many')).to.equal(60);
      expect(await backend.listUserSessions('many')).to.have.length(0);
    });

    it('follows a session whose user changes, or that logs out without being destroyed', async () => {
      const id = await backend.write({ userId: 7, theme: 'dark' }, undefined, ctx());
      await backend.write({ userId: 7, theme: 'light' }, id, merge(['theme'])); // a merge that leaves the user
      expect(await handles(7)).to.deep.equal([backend.handleOf(id)]);
      await backend.write({ userId: 8, theme: 'light' }, id, merge(['userId']));
      expect(await handles(7)).to.deep.equal([]);
      expect(await handles(8)).to.deep.equal([backend.handleOf(id)]);
      await backend.write({ theme: 'light' }, id, merge([], ['userId']));
      expect(await handles(8)).to.deep.equal([]);
      await backend.write({ userId: 9 }, id, ctx({ isNew: false })); // a whole write
      expect(await handles(9)).to.deep.equal([backend.handleOf(id)]);
      await backend.remove(id);
      expect(await handles(9)).to.deep.equal([]);
      expect(await backend.destroyUserSessions(8)).to.equal(0);
    });

    it('neither lists nor counts a session once it has expired', async () => {
      await backend.write({ userId: 7 }, undefined, ctx({ ttl: 1 }));
      const lasting = await backend.write({ userId: 7 }, undefined, ctx());
      await new Promise(resolve => setTimeout(resolve, 2100));
      expect(await handles(7)).to.deep.equal([backend.handleOf(lasting)]);
      expect(await backend.destroyUserSessions(7)).to.equal(1);
    });

    it('refuses to list or destroy without a userKey, and a user id that is not a string or a number', async () => {
      const unindexed = await make({});
      for (const call of [() => unindexed.listUserSessions(7), () => unindexed.destroyUserSessions(7)]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(SessionError).with.property('code', 'NOT_CONFIGURED');
      }
      const error = await backend.listUserSessions({} as unknown as string).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(SessionError).with.property('code', 'INVALID_OPTION');
    });

    it('refuses a userKey or labelKey that names no data key', async () => {
      for (const options of [{ userKey: '' }, { userKey: '__session' }, { labelKey: 7 as unknown as string }]) {
        const error = await Promise.resolve()
          .then(() => factory(options))
          .then(
            made_ => (made.push(made_), undefined),
            (e: unknown) => e,
          );
        expect(error, JSON.stringify(options)).to.be.instanceOf(SessionError).with.property('code', 'INVALID_OPTION');
      }
    });

    it('shows "your sessions" and logs out the other devices over HTTP', async () => {
      current = backend;
      const app = createApp([AccountController], { backend });
      const login = async (device: string, user = 'ada', cookie = '') =>
        cookieHeader(
          await request(app)
            .post(`/account/login?user=${user}`)
            .set('User-Agent', device)
            .set('Cookie', cookie)
            .expect(200),
        );
      const [laptop, phone] = [await login('laptop'), await login('phone')];
      // Logged in as ada, then as bob on the same device: regenerate leaves ada's session behind.
      const stranger = await login('other', 'bob', await login('other'));
      const listed = (await request(app).get('/account/sessions').set('Cookie', laptop).expect(200)).body;
      expect(listed.map((info: { label: string; here: boolean }) => [info.label, info.here])).to.have.deep.members([
        ['laptop', true],
        ['phone', false],
      ]);
      for (const info of listed) expect(info.created).to.be.within(Date.now() - 60_000, Date.now());
      expect((await request(app).post('/account/logout-others').set('Cookie', laptop).expect(200)).body).to.deep.equal({
        destroyed: 1,
      });
      expect((await request(app).get('/account/me').set('Cookie', phone).expect(200)).body).to.deep.equal({
        userId: null,
      });
      expect((await request(app).get('/account/me').set('Cookie', laptop).expect(200)).body).to.deep.equal({
        userId: 'ada',
      });
      expect((await request(app).get('/account/me').set('Cookie', stranger).expect(200)).body).to.deep.equal({
        userId: 'bob',
      });
    });
  });
}
