/** A Secure cookie set over plain http for another host is dropped by browsers: the process warns once. */
import { expect } from 'chai';
import { type ChildApp, startChildApp } from '../support/child-app';

const WARNING = 'RCS_SECURE_COOKIE_OVER_HTTP';

describe('option: cookie.secure over plain http (compat)', function () {
  this.timeout(30000);
  let app: ChildApp;
  before(async () => (app = await startChildApp('spec/compat/fixtures/first-request-app.ts', { TRUST_PROXY: '1' })));
  after(() => app.stop());

  /** A write through the app's trusted loopback proxy, as if from `client` over `proto`. */
  async function write(label: string, headers: Record<string, string>): Promise<string | undefined> {
    const response = await fetch(`${app.url}/visits`, { method: 'POST', headers: { 'x-label': label, ...headers } });
    expect(response.status).to.equal(200);
    return response.headers.getSetCookie().find(line => line.startsWith('session='));
  }

  it('warns once per process, for the first non-loopback http request, naming the fix and no value', async () => {
    const loopback = await write('loopback', {});
    await write('https', { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
    const first = await write('http-1', { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'http' });
    await write('http-2', { 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'http' });
    await write('end', {});

    const log = app.stderr();
    expect(log.split(WARNING)).to.have.length(2, 'exactly one warning');
    const at = log.indexOf(WARNING);
    expect(at).to.be.greaterThan(log.indexOf('request http-1'));
    expect(at).to.be.lessThan(log.indexOf('request http-2'));
    expect(log).to.include("trust proxy").and.include("secure: 'auto'");
    for (const cookie of [loopback, first]) expect(log).not.to.include(cookie!.split(';')[0].slice('session='.length));
  });
});
