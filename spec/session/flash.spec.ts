/**
 * Flash messages: `req.session.addFlash()`, `takeFlash()` and `@Flash()`. Set before a redirect, read once by the
 * next request that asks, gone after; taking none writes nothing.
 */
import { expect } from 'chai';
import type { Request, Response } from 'express';
import { Get, JsonController, Post, Req, Res, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { IsInt, IsOptional } from 'class-validator';
import {
  CookieBackend,
  FLASH_KEY,
  Flash,
  InMemoryBackend,
  RedisBackend,
  type SessionBackend,
  SessionMiddleware,
  type SessionOptions,
} from '../../src';
import { SECRET, createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import { FaultyBackend } from '../support/faulty-backend';
import { describeWithRedis, useRedisClient } from '../support/redis';

interface FormError {
  field: string;
  text: string;
}

@JsonController('/f')
@UseBefore(SessionMiddleware)
@Service()
class FlashController {
  /** Adds `?notice=` (as many as given) and a form error, then redirects, as a form post does. */
  @Post('/submit')
  async submit(@Req() req: Request, @Res() res: Response) {
    await req.session.load();
    for (const text of [req.query.notice ?? []].flat()) req.session.addFlash('notice', String(text));
    if (req.query.field !== undefined)
      req.session.addFlash<string>('formError', { field: String(req.query.field), text: 'required' } as FormError);
    res.redirect(303, '/f/page');
    return res;
  }

  @Get('/page')
  page(@Flash('notice') notices: string[]) {
    return { notices };
  }

  @Get('/all')
  all(@Flash() all: Record<string, unknown[]>) {
    return { all };
  }

  /** Takes without the decorator, from a session the middleware has already loaded (`autoload`). */
  @Get('/sync')
  sync(@Req() req: Request) {
    return { notices: req.session.takeFlash('notice'), data: { ...req.session } };
  }

  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { data: { ...req.session } };
  }

  @Post('/mark')
  async mark(@Req() req: Request) {
    await req.session.load();
    req.session.mark = true;
    return {};
  }

  @Post('/misuse')
  async misuse(@Req() req: Request) {
    await req.session.load();
    const codes = [];
    for (const attempt of [
      () => (req.session[FLASH_KEY] = 1),
      () => req.session.addFlash('', 'x'),
      () => req.session.addFlash('k', undefined),
    ]) {
      try {
        attempt();
        codes.push('none');
      } catch (error) {
        codes.push((error as { code?: string }).code);
      }
    }
    return { codes };
  }

  @Post('/count')
  async count(@Req() req: Request) {
    await req.session.load();
    req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
    return { count: req.session.count };
  }
}

class CountOnly {
  @IsOptional()
  @IsInt()
  count?: number;
}

/** The cookie to send next: the one `res` set, if it set one (cookie backends re-seal on every write). */
function nextCookie(res: request.Response, cookie: string): string {
  return sessionCookie(res) === undefined ? cookie : cookieHeader(res);
}

function flashSpecs(makeBackend: () => SessionBackend): void {
  function app(options: SessionOptions = {}) {
    const backend = new FaultyBackend(makeBackend());
    return { backend, server: createApp([FlashController], { backend, ...options }) };
  }

  it('survives a redirect and is read once, several per key, oldest first', async () => {
    const { server } = app();
    const posted = await request(server).post('/f/submit?notice=saved&notice=mailed').expect(303);
    let cookie = cookieHeader(posted);
    const first = await request(server).get('/f/page').set('Cookie', cookie).expect(200);
    expect(first.body.notices).to.deep.equal(['saved', 'mailed']);
    cookie = nextCookie(first, cookie);
    const second = await request(server).get('/f/page').set('Cookie', cookie).expect(200);
    expect(second.body.notices).to.deep.equal([]);
  });

  it('keeps other keys, typed messages and data until they are taken', async () => {
    const { server } = app();
    let cookie = cookieHeader(await request(server).post('/f/count').expect(200));
    cookie = nextCookie(await request(server).post('/f/submit?notice=hi&field=email').set('Cookie', cookie), cookie);
    const notices = await request(server).get('/f/page').set('Cookie', cookie).expect(200);
    expect(notices.body.notices).to.deep.equal(['hi']);
    cookie = nextCookie(notices, cookie);
    const rest = await request(server).get('/f/all').set('Cookie', cookie).expect(200);
    expect(rest.body.all).to.deep.equal({ formError: [{ field: 'email', text: 'required' }] });
    cookie = nextCookie(rest, cookie);
    expect((await request(server).get('/f/all').set('Cookie', cookie).expect(200)).body.all).to.deep.equal({});
    // The data stayed, and never saw the flash messages.
    const count = await request(server).post('/f/count').set('Cookie', cookie).expect(200);
    expect(count.body.count).to.equal(2);
  });

  it('costs no write to take from a session that has none, or to read one that has some', async () => {
    const { server, backend } = app();
    const fresh = await request(server).get('/f/page').expect(200);
    expect(fresh.body.notices).to.deep.equal([]);
    expect(sessionCookie(fresh)).to.equal(undefined);
    const cookie = cookieHeader(await request(server).post('/f/count').expect(200));
    const writes = backend.count('write');
    const none = await request(server).get('/f/page').set('Cookie', cookie).expect(200);
    expect(none.body.notices).to.deep.equal([]);
    expect(sessionCookie(none)).to.equal(undefined);
    expect(backend.count('write')).to.equal(writes);

    // A session holding flashes, with a data key added after them (a store may then keep them in the middle):
    // reading it writes nothing, taking them is one write.
    let flashed = nextCookie(await request(server).post('/f/submit?notice=a').set('Cookie', cookie), cookie);
    flashed = nextCookie(await request(server).post('/f/mark').set('Cookie', flashed).expect(200), flashed);
    const before = backend.count('write');
    const read = await request(server).get('/f/read').set('Cookie', flashed).expect(200);
    expect(read.body.data).to.deep.equal({ count: 1, mark: true });
    expect(backend.count('write')).to.equal(before);
    await request(server).get('/f/page').set('Cookie', flashed).expect(200);
    expect(backend.count('write')).to.equal(before + 1);
  });

  it('works with autoload: the handler takes them synchronously', async () => {
    const { server } = app({ autoload: true });
    const cookie = cookieHeader(await request(server).post('/f/submit?notice=auto').expect(303));
    const res = await request(server).get('/f/sync').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ notices: ['auto'], data: {} });
  });

  it('stays out of a schema’s way: strict validation at load and before saving', async () => {
    const { server } = app({
      schema: CountOnly,
      validation: { validator: { whitelist: true, forbidNonWhitelisted: true }, beforeSave: true, onInvalid: 'reject' },
    });
    let cookie = cookieHeader(await request(server).post('/f/count').expect(200));
    cookie = nextCookie(await request(server).post('/f/submit?notice=valid').set('Cookie', cookie).expect(303), cookie);
    expect((await request(server).get('/f/page').set('Cookie', cookie).expect(200)).body.notices).to.deep.equal([
      'valid',
    ]);
  });
}

describe('flash messages', () => {
  describe('CookieBackend', () => flashSpecs(() => new CookieBackend({ secretKey: SECRET })));
  describe('InMemoryBackend', () => flashSpecs(() => new InMemoryBackend()));
  describeWithRedis('RedisBackend', () => {
    const redis = useRedisClient('flash');
    flashSpecs(() => new RedisBackend({ client: redis.client, prefix: redis.prefix }));
  });

  it('keeps its own key: data cannot use it, and a bad stored value is dropped, not a failure', async () => {
    const backend = new InMemoryBackend();
    const server = createApp([FlashController], { backend });
    const id = await backend.write({ count: 1, [FLASH_KEY]: 'not lists' }, undefined, {
      now: Math.floor(Date.now() / 1000),
      lifetime: 3600,
      ttl: 3600,
    });
    const res = await request(server).get('/f/all').set('Cookie', `session=${id}`).expect(200);
    expect(res.body.all).to.deep.equal({});
    const misuse = await request(server).post('/f/misuse').expect(200);
    expect(misuse.body.codes).to.deep.equal(['RESERVED_KEY', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
  });
});
