import { expect } from 'chai';
import { IsInt, IsString, Min } from 'class-validator';
import { Get, JsonController, Post, QueryParam, UseBefore } from 'routing-controllers';
import request from 'supertest';
import { Service } from 'typedi';
import { CurrentSession, InMemoryBackend, SessionMiddleware, SessionParam, type Session } from '../../src';
import { createApp } from '../support/app';
import { cookieHeader } from '../support/cookies';

class Address {
  @IsString()
  city!: string;

  @IsInt()
  @Min(1)
  floor!: number;

  describe(): string {
    return `${this.city}, floor ${this.floor}`;
  }
}

@JsonController('/param-validation')
@UseBefore(SessionMiddleware)
@Service()
class AddressController {
  @Post('/store')
  store(@CurrentSession() session: Session, @QueryParam('city') city: string, @QueryParam('floor') floor: string) {
    session.address = { city, floor: Number(floor) };
    return {};
  }

  @Get('/describe')
  describe(@SessionParam('address', { required: true }) address: Address) {
    return { isAddress: address instanceof Address, text: address.describe() };
  }

  @Get('/raw')
  raw(@SessionParam('address', { validate: false }) address: Address) {
    return { isAddress: address instanceof Address, address };
  }

  @Get('/optional')
  optional(@SessionParam('address') address: Address | undefined) {
    return { present: address !== undefined };
  }
}

describe('@SessionParam() with a class-typed parameter', () => {
  const app = () => createApp([AddressController], { backend: new InMemoryBackend() });

  async function storing(server: ReturnType<typeof app>, query: string) {
    return cookieHeader(await request(server).post(`/param-validation/store?${query}`).expect(200));
  }

  it('injects an instance of the class, transformed and valid', async () => {
    const server = app();
    const cookie = await storing(server, 'city=Oslo&floor=3');
    const res = await request(server).get('/param-validation/describe').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ isAddress: true, text: 'Oslo, floor 3' });
  });

  it("answers routing-controllers' 400 with errors, without the values, when it fails", async () => {
    const server = app();
    const cookie = await storing(server, 'city=Secretville&floor=0');
    const res = await request(server).get('/param-validation/describe').set('Cookie', cookie).expect(400);
    expect(res.body.name).to.equal('BadRequestError');
    expect(res.body.errors.map((error: { property: string }) => error.property)).to.deep.equal(['floor']);
    expect(res.body.errors[0].constraints).to.have.property('min');
    expect(res.text).to.not.include('Secretville');
  });

  it('passes the plain value with validate: false', async () => {
    const server = app();
    const cookie = await storing(server, 'city=Oslo&floor=0');
    const res = await request(server).get('/param-validation/raw').set('Cookie', cookie).expect(200);
    expect(res.body).to.deep.equal({ isAddress: false, address: { city: 'Oslo', floor: 0 } });
  });

  it('leaves a missing optional value undefined', async () => {
    const res = await request(app()).get('/param-validation/optional').expect(200);
    expect(res.body).to.deep.equal({ present: false });
  });
});
