/**
 * Errors raised by the middleware and by autoload reach the client as JSON in routing-controllers' error shape, with
 * their status, on both express majors: never express's HTML page, never a stack trace.
 */
import { expect } from 'chai';
import type { Request } from 'express';
import express from 'express';
import session from 'express-session';
import { IsInt } from 'class-validator';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Container, Service } from 'typedi';
import { InMemoryBackend, SessionMiddleware, SessionSettings, sessionMiddleware } from '../../src';
import { EXPRESS_MAJORS, SECRET, createApp } from '../support/app';
import { FaultyBackend } from '../support/faulty-backend';

@JsonController('/json')
@UseBefore(SessionMiddleware)
@Service()
class JsonErrorsController {
  @Get('/')
  read(@Req() req: Request) {
    return { n: req.session.n ?? null };
  }

  @Get('/invalid')
  invalid(@Req() req: Request) {
    req.session.n = 'not a number';
    return {};
  }
}

class CounterSession {
  @IsInt() n!: number;
}

/** The body is JSON with `name`, `message` and `code`, and carries no stack. */
function expectJsonError(res: request.Response, name: string, code: string): void {
  expect(res.headers['content-type']).to.match(/^application\/json/);
  expect(res.body).to.include({ name, code });
  expect(res.body.message).to.be.a('string').and.have.length.above(0);
  expect(res.text).to.not.include('<').and.not.include('    at ');
}

describe('errors as JSON (compat)', () => {
  for (const major of EXPRESS_MAJORS) {
    describe(`express ${major}`, () => {
      it('answers a store outage under autoload with 503', async () => {
        const backend = new FaultyBackend();
        const id = await backend.inner.write({ n: 1 });
        backend.failing.add('read');
        const app = createApp([JsonErrorsController], { backend, autoload: true }, { express: major });
        const res = await request(app).get('/json').set('Cookie', `session=${id}`).expect(503);
        expectJsonError(res, 'SessionBackendError', 'BACKEND_FAILURE');
      });

      it("answers a stored session that fails the schema under onInvalid: 'reject' with 400 and the issues", async () => {
        const backend = new InMemoryBackend();
        const id = await backend.write({ n: 'not a number' });
        const app = createApp(
          [JsonErrorsController],
          { backend, autoload: true, schema: CounterSession, validation: { onInvalid: 'reject' } },
          { express: major },
        );
        const res = await request(app).get('/json').set('Cookie', `session=${id}`).expect(400);
        expectJsonError(res, 'SessionValidationError', 'INVALID_SESSION');
        expect(res.body.errors[0]).to.include({ property: 'n' });
      });

      it('answers data that fails the schema before saving with 500, keeping the issues out of the body', async () => {
        const app = createApp(
          [JsonErrorsController],
          { backend: new InMemoryBackend(), autoload: true, schema: CounterSession, validation: { beforeSave: true } },
          { express: major },
        );
        const res = await request(app).get('/json/invalid').expect(500);
        expectJsonError(res, 'SessionValidationError', 'INVALID_SESSION');
        expect(res.body).to.not.have.property('errors');
      });

      it('answers a missing configuration with 500 NOT_CONFIGURED', async () => {
        const app = createApp([JsonErrorsController], { backend: new InMemoryBackend() }, { express: major });
        Container.get(SessionSettings).set(SessionMiddleware, undefined);
        const res = await request(app).get('/json').expect(500);
        expectJsonError(res, 'SessionError', 'NOT_CONFIGURED');
      });
    });
  }

  it('refuses a req.session set by express-session, naming both', async () => {
    const app = express();
    app.use(session({ secret: SECRET, resave: false, saveUninitialized: false }));
    app.use(sessionMiddleware({ backend: new InMemoryBackend() }));
    app.get('/', (_req, res) => void res.json({ reached: true }));
    const res = await request(app).get('/').expect(500);
    expectJsonError(res, 'SessionError', 'MIDDLEWARE_CONFLICT');
    expect(res.body.message).to.include('express-session').and.include('sessionMiddleware()');
  });
});
