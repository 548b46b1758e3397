/** The error handler of docs/how-it-works.md compiles under `strict` and keeps the status of session errors. */
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Get, JsonController, Req, UseBefore, useExpressServer } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { InMemoryBackend, SessionBackendError, SessionMiddleware, configureSessions, responseStarted } from '../../src';

// The handler, as docs/how-it-works.md prints it.
function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (responseStarted(res)) return; // answered already, by routing-controllers or by the session middleware
  const { httpCode, name, message } = error as { httpCode?: unknown; name?: string; message?: string };
  const status = typeof httpCode === 'number' && httpCode >= 400 && httpCode <= 599 ? httpCode : 500;
  res.status(status).json({ name: name ?? 'Error', message: status < 500 ? message : 'Something went wrong' });
}

@JsonController('/handled')
@UseBefore(SessionMiddleware)
@Service()
class FailingController {
  @Get('/')
  async fail(@Req() req: Request) {
    await req.session.load(); // the response is held from here on
    throw new SessionBackendError('read');
  }
}

class NoGlobals {}

describe('the documented error handler (compat)', () => {
  it('keeps the 503 of a SessionBackendError that routing-controllers passes on', async () => {
    configureSessions({ backend: new InMemoryBackend() });
    const app = express();
    useExpressServer(app, {
      controllers: [FailingController],
      middlewares: [NoGlobals],
      interceptors: [NoGlobals],
      defaultErrorHandler: false,
    });
    app.use(errorHandler);
    const res = await request(app).get('/handled').expect(503);
    expect(res.body).to.deep.equal({ name: 'SessionBackendError', message: 'Something went wrong' });
  });

  it("lets routing-controllers' own answer through a held response", async () => {
    configureSessions({ backend: new InMemoryBackend() });
    const app = express();
    useExpressServer(app, { controllers: [FailingController], middlewares: [NoGlobals], interceptors: [NoGlobals] });
    app.use(errorHandler);
    const res = await request(app).get('/handled').expect(503);
    expect(res.body).to.include({ name: 'SessionBackendError', code: 'BACKEND_FAILURE' });
  });
});
