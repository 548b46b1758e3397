import { expect } from 'chai';
import type { Request } from 'express';
import { Get, JsonController, Req, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { SessionMiddleware } from '../../src';
import { EXPRESS_MAJORS, createApp } from '../support/app';
import { cookieHeader, sessionCookie } from '../support/cookies';

@JsonController('/smoke')
@UseBefore(SessionMiddleware)
@Service()
class SmokeController {
  @Get('/count')
  async count(@Req() req: Request) {
    await req.session.load();
    req.session.count = ((req.session.count as number) ?? 0) + 1;
    return { count: req.session.count };
  }
}

for (const major of EXPRESS_MAJORS) {
  describe(`smoke (express ${major})`, () => {
    it('counts', async () => {
      const app = createApp([SmokeController], {}, { express: major });
      const first = await request(app).get('/smoke/count').expect(200);
      expect(first.body).to.deep.equal({ count: 1 });
      const second = await request(app).get('/smoke/count').set('Cookie', cookieHeader(first)).expect(200);
      expect(second.body).to.deep.equal({ count: 2 });
      console.log(sessionCookie(second)?.raw);
    });
  });
}
