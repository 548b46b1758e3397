/** A Secure cookie set over plain http for a browser not on localhost is dropped: the process warns once. */
import http from 'node:http';
import { expect } from 'chai';
import type { Request } from 'express';
import { isPlainHttpFromAfar } from '../../src/http/insecure-transport';
import { type ChildApp, startChildApp } from '../support/child-app';

const WARNING = 'RCS_SECURE_COOKIE_OVER_HTTP';

describe('option: cookie.secure over plain http (compat)', function () {
  this.timeout(30000);
  let app: ChildApp;
  before(async () => (app = await startChildApp('spec/compat/fixtures/first-request-app.ts', { TRUST_PROXY: '1' })));
  after(() => app.stop());

  /** A session write through the app's trusted loopback proxy; returns the session cookie's value. */
  function write(label: string, headers: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${app.url}/visits`,
        { method: 'POST', headers: { 'x-label': label, ...headers } },
        response => {
          response.resume();
          expect(response.statusCode).to.equal(200);
          const cookie = response.headers['set-cookie']?.find(line => line.startsWith('session='));
          response.on('end', () => resolve(cookie!.split(';')[0].slice('session='.length)));
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  it('warns once per process, for the first http request from afar, naming the fix and no value', async () => {
    const afar = { host: 'shop.example', 'x-forwarded-for': '203.0.113.7' };
    const cookies = [
      await write('loopback', {}),
      await write('https', { ...afar, 'x-forwarded-proto': 'https' }),
      await write('localhost', { ...afar, host: 'localhost:8080', 'x-forwarded-proto': 'http' }),
      await write('http-1', { ...afar, 'x-forwarded-proto': 'http' }),
      await write('http-2', { ...afar, 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'http' }),
    ];
    await write('end', {});

    const log = app.stderr();
    expect(log.split(WARNING)).to.have.length(2, 'exactly one warning');
    const at = log.indexOf(WARNING);
    expect(at).to.be.greaterThan(log.indexOf('request http-1'));
    expect(at).to.be.lessThan(log.indexOf('request http-2'));
    expect(log).to.include('trust proxy').and.include("secure: 'auto'");
    for (const cookie of cookies) expect(log).not.to.include(cookie);
  });
});

describe('isPlainHttpFromAfar', () => {
  /** A request as express would present it, from a client at `ip` that the app does not see through a proxy. */
  function direct(ip: string, headers: Record<string, string>): Request {
    return {
      socket: { remoteAddress: ip },
      app: { get: () => false },
      secure: false,
      ip,
      headers,
    } as unknown as Request;
  }

  it('holds for plain http from another host', () => {
    expect(isPlainHttpFromAfar(direct('10.1.2.3', { host: 'shop.example' }))).to.equal(true);
  });

  it('does not hold behind an untrusted proxy that forwards https: the browser is on https', () => {
    expect(isPlainHttpFromAfar(direct('10.1.2.3', { host: 'shop.example', 'x-forwarded-proto': 'https' }))).to.equal(
      false,
    );
    expect(
      isPlainHttpFromAfar(direct('10.1.2.3', { host: 'shop.example', forwarded: 'for=1.2.3.4;proto=https' })),
    ).to.equal(false);
  });

  it('does not hold for a browser on localhost behind a forwarded port', () => {
    expect(isPlainHttpFromAfar(direct('172.17.0.1', { host: 'localhost:3000' }))).to.equal(false);
    expect(isPlainHttpFromAfar(direct('172.17.0.1', { host: '[::1]:3000' }))).to.equal(false);
  });
});
