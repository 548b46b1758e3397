import { expect } from 'chai';
import { IsIn, IsInt, IsOptional } from 'class-validator';
import { Get, JsonController, Post, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { CurrentSession, InMemoryBackend, SessionMiddleware, type Session } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader, sessionCookie, setCookies } from '../support/cookies';

class ShopSession {
  @IsOptional()
  @IsInt()
  visits?: number;
}

class AdminSession {
  @IsOptional()
  @IsIn(['admin', 'auditor'])
  role?: string;
}

/** The admin area: its own cookie, store and schema. */
@Service()
class AdminSessions extends SessionMiddleware {}

@JsonController('/shop')
@UseBefore(SessionMiddleware)
@Service()
class ShopController {
  @Post('/visit')
  visit(@CurrentSession() session: Session<ShopSession>) {
    session.visits = (session.visits ?? 0) + 1;
    return { visits: session.visits };
  }

  @Get('/peek')
  peek(@CurrentSession() session: Session) {
    return { ...session };
  }
}

@JsonController('/admin')
@UseBefore(AdminSessions)
@Service()
class AdminController {
  @Post('/login')
  login(@CurrentSession() session: Session<AdminSession>) {
    session.role = 'admin';
    return { role: session.role };
  }

  @Post('/escalate')
  escalate(@CurrentSession() session: Session<AdminSession>) {
    (session as unknown as Record<string, unknown>).role = 'root';
    return {};
  }

  @Get('/peek')
  peek(@CurrentSession() session: Session) {
    return { ...session };
  }
}

describe('several session configurations in one app', () => {
  let adminStore: InMemoryBackend;
  const app = () => {
    const server = createApp([ShopController, AdminController], { schema: ShopSession });
    adminStore = new InMemoryBackend();
    AdminSessions.configure({
      backend: adminStore,
      cookie: { name: '__Host-admin', sameSite: 'strict' },
      schema: AdminSession,
      validation: { beforeSave: true },
      lifetime: 3600,
    });
    return server;
  };

  it('keeps each area in its own cookie, store and schema', async () => {
    const server = app();
    const shop = await request(server).post('/shop/visit').expect(200);
    const admin = await request(server).post('/admin/login').expect(200);
    expect(setCookies(shop).map(cookie => cookie.name)).to.deep.equal(['session']);
    expect(setCookies(admin).map(cookie => cookie.name)).to.deep.equal(['__Host-admin']);
    expect(sessionCookie(admin, '__Host-admin')!.attributes).to.deep.include({ samesite: 'Strict', 'max-age': '3600' });
    expect(adminStore.size).to.equal(1);

    const both = `${cookieHeader(shop)}; ${cookieHeader(admin, '__Host-admin')}`;
    expect((await request(server).get('/shop/peek').set('Cookie', both).expect(200)).body).to.deep.equal({ visits: 1 });
    expect((await request(server).get('/admin/peek').set('Cookie', both).expect(200)).body).to.deep.equal({
      role: 'admin',
    });
  });

  it("applies each area's schema to its own data only", async () => {
    const server = app();
    const admin = cookieHeader(await request(server).post('/admin/login').expect(200), '__Host-admin');
    const res = await request(server).post('/admin/escalate').set('Cookie', admin).expect(500);
    expect(res.body.name).to.equal('SessionValidationError');
    expect((await request(server).get('/admin/peek').set('Cookie', admin).expect(200)).body).to.deep.equal({
      role: 'admin',
    });
  });

  it("does not read one area's cookie in the other", async () => {
    const server = app();
    const admin = await request(server).post('/admin/login').expect(200);
    const value = sessionCookie(admin, '__Host-admin')!.value;
    const res = await request(server).get('/shop/peek').set('Cookie', `session=${value}`).expect(200);
    expect(res.body).to.deep.equal({});
  });
});
