import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { InMemoryBackend, SessionMiddleware, type SessionOptions } from '../../src';
import { createApp } from '../support/app';
import { FaultyBackend } from '../support/faulty-backend';

@JsonController()
@UseBefore(SessionMiddleware)
@Service()
class AutoloadController {
  @Get('/app')
  app(@Req() req: Request) {
    return { isLoaded: req.session.isLoaded };
  }

  @Get('/app/deeper')
  deeper(@Req() req: Request) {
    return { isLoaded: req.session.isLoaded };
  }

  @Get('/application')
  application(@Req() req: Request) {
    return { isLoaded: req.session.isLoaded };
  }

  @Get('/api/v2/items')
  items(@Req() req: Request) {
    return { isLoaded: req.session.isLoaded };
  }
}

describe('option: autoload', () => {
  const loaded = async (options: SessionOptions, path: string) => {
    const app = createApp([AutoloadController], { backend: new InMemoryBackend(), ...options });
    return (await request(app).get(path).expect(200)).body.isLoaded as boolean;
  };

  it('is off by default', async () => {
    expect(await loaded({}, '/app')).to.equal(false);
  });

  it('true loads before every handler', async () => {
    expect(await loaded({ autoload: true }, '/app')).to.equal(true);
    expect(await loaded({ autoload: true }, '/application')).to.equal(true);
  });

  it('a path prefix matches on segment boundaries only', async () => {
    const autoload = ['/app'];
    expect(await loaded({ autoload }, '/app')).to.equal(true);
    expect(await loaded({ autoload }, '/app/deeper')).to.equal(true);
    expect(await loaded({ autoload }, '/application')).to.equal(false);
    expect(await loaded({ autoload }, '/app?x=1')).to.equal(true);
  });

  it('a RegExp matches the path, even a global one used repeatedly', async () => {
    const autoload = [/^\/api\/v\d+\//g];
    for (let i = 0; i < 3; i++) expect(await loaded({ autoload }, '/api/v2/items')).to.equal(true);
    expect(await loaded({ autoload }, '/app')).to.equal(false);
  });

  it('a failing read fails the request with 503', async () => {
    const backend = new FaultyBackend(new InMemoryBackend());
    backend.failing.add('read');
    const app = createApp([AutoloadController], { backend, autoload: true });
    // Only a request carrying a cookie reads the backend.
    const res = await request(app).get('/app').set('Cookie', 'session=abcdefabcdefabcdefabcdef').expect(503);
    expect(res.text).to.not.include('abcdefabcdefabcdefabcdef');
  });
});
