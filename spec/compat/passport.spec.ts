/**
 * passport 0.7 with passport-local, connect-flash and csrf-sync, behind helmet, compression and cookie-parser, on
 * every built-in backend: the app an express-session user would bring, with the session middleware swapped.
 */
import { expect } from 'chai';
import compression from 'compression';
import flash from 'connect-flash';
import cookieParser from 'cookie-parser';
import { csrfSync } from 'csrf-sync';
import express, { type Express, type Request, type Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Controller, Get, Post, Req, Res, UseBefore, useExpressServer } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import {
  CookieBackend,
  EncryptedCookieBackend,
  ExpressSessionStoreBackend,
  InMemoryBackend,
  RedisBackend,
  SessionMiddleware,
  configureSessions,
  type SessionBackend,
  type SessionOptions,
} from '../../src';
import { SECRET } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';
import {
  type AnyRedisClient,
  closeClient,
  deleteKeys,
  describeWithRedis,
  redisClient,
  uniquePrefix,
} from '../support/redis';

interface User {
  id: number;
  name: string;
}
const USERS: User[] = [{ id: 7, name: 'ada' }];

const auth = new Passport();
auth.use(
  new LocalStrategy((username, password, done) => {
    const user = USERS.find(candidate => candidate.name === username);
    return user && password === 'secret' ? done(null, user) : done(null, false, { message: 'Wrong name or password' });
  }),
);
auth.serializeUser((user, done) => done(null, (user as User).id));
auth.deserializeUser((id: number, done) => done(null, USERS.find(user => user.id === id) ?? false));

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: req => req.headers['x-csrf-token'] as string | undefined,
});

@Controller('/auth')
@UseBefore(SessionMiddleware, auth.initialize(), auth.session(), flash())
@Service()
class AuthController {
  @Get('/csrf')
  csrf(@Req() req: Request, @Res() res: Response) {
    return res.json({ token: generateToken(req) });
  }

  @Post('/login')
  @UseBefore(
    csrfSynchronisedProtection,
    auth.authenticate('local', { failureRedirect: '/auth/login', failureFlash: true }),
  )
  login(@Req() req: Request, @Res() res: Response) {
    return res.json({ user: (req.user as User).name });
  }

  @Post('/login-redirect')
  @UseBefore(auth.authenticate('local', { successRedirect: '/auth/me', failureRedirect: '/auth/login' }))
  loginRedirect(@Res() res: Response) {
    return res; // passport has answered
  }

  /** What failed logins were told, once. */
  @Get('/login')
  loginPage(@Req() req: Request, @Res() res: Response) {
    return res.json({ messages: req.flash('error') });
  }

  @Get('/me')
  me(@Req() req: Request, @Res() res: Response) {
    return res.json({ user: (req.user as User | undefined)?.name ?? null });
  }

  @Post('/logout')
  logout(@Req() req: Request, @Res() res: Response) {
    return new Promise<Response>((resolve, reject) =>
      req.logout(error => (error ? reject(error) : resolve(res.json({ ok: true })))),
    );
  }
}

function passportApp(options: SessionOptions): Express {
  configureSessions({ secretKey: SECRET, autoload: true, ...options });
  const app = express();
  app.use(helmet(), compression(), cookieParser(), express.json());
  return useExpressServer(app, {
    controllers: [AuthController],
    middlewares: [NoGlobals],
    interceptors: [NoGlobals],
  }) as Express;
}

/** Keeps routing-controllers from installing every @Middleware class it knows of. */
class NoGlobals {}

/** Runs the passport specs with the backend `create()` gives. */
function describePassport(title: string, create: () => SessionBackend, revocable: boolean): void {
  describe(`passport with ${title}`, () => {
    let app: Express;
    beforeEach(() => (app = passportApp({ backend: create() })));

    async function anonymous(): Promise<{ cookie: string; token: string }> {
      const res = await request(app).get('/auth/csrf').expect(200);
      return { cookie: cookieHeader(res), token: res.body.token };
    }

    async function logIn(): Promise<{ before: string; cookie: string }> {
      const { cookie: before, token } = await anonymous();
      const res = await request(app)
        .post('/auth/login')
        .set('Cookie', before)
        .set('x-csrf-token', token)
        .send({ username: 'ada', password: 'secret' })
        .expect(200);
      expect(res.body).to.deep.equal({ user: 'ada' });
      return { before, cookie: cookieHeader(res) };
    }

    async function whoIs(cookie: string): Promise<unknown> {
      return (await request(app).get('/auth/me').set('Cookie', cookie).expect(200)).body.user;
    }

    it('logs in within the request, with a new session id, and knows the user on the next request', async () => {
      const { before, cookie } = await logIn();
      expect(cookie).to.not.equal(before);
      expect(await whoIs(cookie)).to.equal('ada');
      expect(await whoIs(before), 'the session from before the login').to.equal(null);
    });

    it('logs in with a redirect that carries the new cookie', async () => {
      const res = await request(app)
        .post('/auth/login-redirect')
        .send({ username: 'ada', password: 'secret' })
        .expect(302);
      expect(res.headers.location).to.equal('/auth/me');
      expect(await whoIs(cookieHeader(res))).to.equal('ada');
    });

    it('logs out with req.logout(cb)', async () => {
      const { cookie } = await logIn();
      const res = await request(app).post('/auth/logout').set('Cookie', cookie).expect(200);
      expect(await whoIs(cookieHeader(res))).to.equal(null);
      if (revocable) expect(await whoIs(cookie), 'the cookie from before the logout').to.equal(null);
    });

    it('flashes a failed login once, through a redirect', async () => {
      const { cookie, token } = await anonymous();
      const failed = await request(app)
        .post('/auth/login')
        .set('Cookie', cookie)
        .set('x-csrf-token', token)
        .send({ username: 'ada', password: 'wrong' })
        .expect(302);
      expect(failed.headers.location).to.equal('/auth/login');
      const next = sessionCookie(failed) === undefined ? cookie : cookieHeader(failed);
      const page = await request(app).get('/auth/login').set('Cookie', next).expect(200);
      expect(page.body).to.deep.equal({ messages: ['Wrong name or password'] });
      const again = await request(app)
        .get('/auth/login')
        .set('Cookie', sessionCookie(page) === undefined ? next : cookieHeader(page))
        .expect(200);
      expect(again.body).to.deep.equal({ messages: [] });
    });

    it('refuses a login without the CSRF token of the session', async () => {
      const { cookie } = await anonymous();
      await request(app)
        .post('/auth/login')
        .set('Cookie', cookie)
        .send({ username: 'ada', password: 'secret' })
        .expect(403);
      const other = await anonymous();
      await request(app)
        .post('/auth/login')
        .set('Cookie', cookie)
        .set('x-csrf-token', other.token)
        .send({ username: 'ada', password: 'secret' })
        .expect(403);
    });
  });
}

describe('passport, connect-flash and csrf-sync (compat)', () => {
  describePassport('CookieBackend', () => new CookieBackend({ secretKey: SECRET }), false);
  describePassport('EncryptedCookieBackend', () => new EncryptedCookieBackend({ secretKey: SECRET }), false);
  describePassport('InMemoryBackend', () => new InMemoryBackend(), true);
  describePassport(
    'ExpressSessionStoreBackend on MemoryStore',
    () => new ExpressSessionStoreBackend(new session.MemoryStore()),
    true,
  );

  describeWithRedis('on Redis', () => {
    let client: AnyRedisClient;
    const prefix = uniquePrefix('passport');
    before(async () => (client = await redisClient('node-redis')));
    after(async () => {
      await deleteKeys(prefix, client);
      await closeClient(client);
    });
    describePassport('RedisBackend (node-redis)', () => new RedisBackend({ client, prefix }), true);
  });
});
