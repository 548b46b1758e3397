/**
 * Start-up configuration errors: every bad option passed to `configureSessions()` (and to `resolveSessionOptions()`,
 * which it calls) throws SessionError `INVALID_OPTION`, names the option, and never echoes a secret. Header-injection
 * attempts in cookie attributes are refused before any request, and the message carries no CR or LF of them.
 */
import { expect } from 'chai';
import { Container } from 'typedi';
import { EncryptedCookieBackend, SessionError, type SessionOptions, configureSessions } from '../../src';
import { resolveSessionOptions } from '../../src/options/resolve-options';
import { thrownBy } from '../support/checks';

/** The secret every case passes unless it is about the secret: it must never appear in a message or a stack. */
const SECRET = 'configuration-spec-secret-DO-NOT-ECHO-0123456789';
const SHORT = 'short-secret-DO-NOT-ECHO';

class NotABackend {}

/** A case: its title, the options (SECRET is added unless they set `secretKey`), the option the message must name. */
type Case = [title: string, options: Record<string, unknown>, option: string];

const CASES: readonly Case[] = [
  // secretKey
  ['no secretKey for the default cookie backend', { secretKey: undefined }, 'secretKey'],
  ['no secretKey for EncryptedCookieBackend', { secretKey: undefined, backend: EncryptedCookieBackend }, 'secretKey'],
  ['an empty secretKey', { secretKey: '' }, 'secretKey'],
  ['a short secretKey', { secretKey: SHORT }, 'secretKey'],
  ['a secretKey of 31 characters', { secretKey: SECRET.slice(0, 31) }, 'secretKey'],
  ['a short secretKey for EncryptedCookieBackend', { secretKey: SHORT, backend: EncryptedCookieBackend }, 'secretKey'],
  ['a numeric secretKey', { secretKey: 42 }, 'secretKey'],
  ['a null secretKey', { secretKey: null }, 'secretKey'],
  ['an object secretKey', { secretKey: { key: SECRET } }, 'secretKey'],
  ['an empty secretKey array', { secretKey: [] }, 'secretKey'],
  ['a secretKey array with a non-string', { secretKey: [SECRET, 42] }, 'secretKey'],
  ['a secretKey array with a short key', { secretKey: [SECRET, SHORT] }, 'secretKey'],
  ['a secretKey array with a duplicate', { secretKey: [SECRET, SECRET] }, 'secretKey'],
  // unknown options
  ['an unknown option', { secret: SECRET }, 'secret'],
  ['a misspelt option', { lifeTime: 3600 }, 'lifeTime'],
  ['an unknown cookie option', { cookie: { maxAge: 3600 } }, 'cookie.maxAge'],
  ['an unknown validation option', { schema: NotABackend, validation: { strict: true } }, 'validation.strict'],
  // cookie name
  ['a cookie name with ";" (attribute injection)', { cookie: { name: 'session; Domain=evil.example' } }, 'cookie.name'],
  [
    'a cookie name with CR/LF (header injection)',
    { cookie: { name: 'session\r\nSet-Cookie: admin=1' } },
    'cookie.name',
  ],
  ['a cookie name with LF', { cookie: { name: 'session\nx' } }, 'cookie.name'],
  ['a cookie name with "="', { cookie: { name: 'a=b' } }, 'cookie.name'],
  ['a cookie name with a space', { cookie: { name: 'my session' } }, 'cookie.name'],
  ['a cookie name with a comma', { cookie: { name: 'a,b' } }, 'cookie.name'],
  ['a cookie name with a NUL', { cookie: { name: 'session\u0000' } }, 'cookie.name'],
  ['an empty cookie name', { cookie: { name: '' } }, 'cookie.name'],
  ['a non-string cookie name', { cookie: { name: 42 } }, 'cookie.name'],
  ['a __Host- cookie with a domain', { cookie: { name: '__Host-session', domain: 'example.com' } }, 'cookie.name'],
  ['a __Host- cookie with a non-root path', { cookie: { name: '__Host-session', path: '/app' } }, 'cookie.name'],
  ['a __Host- cookie with secure false', { cookie: { name: '__Host-session', secure: false } }, 'cookie.name'],
  ["a __Host- cookie with secure 'auto'", { cookie: { name: '__Host-session', secure: 'auto' } }, 'cookie.name'],
  [
    'a __host- cookie (any case) with secure false',
    { cookie: { name: '__host-session', secure: false } },
    'cookie.name',
  ],
  ['a __Secure- cookie with secure false', { cookie: { name: '__Secure-session', secure: false } }, 'cookie.name'],
  [
    'a __SECURE- cookie (any case) with secure false',
    { cookie: { name: '__SECURE-session', secure: false } },
    'cookie.name',
  ],
  // cookie path and domain
  ['a cookie path without a leading slash', { cookie: { path: 'app' } }, 'cookie.path'],
  ['an empty cookie path', { cookie: { path: '' } }, 'cookie.path'],
  ['a cookie path with ";" (attribute injection)', { cookie: { path: '/; Domain=evil.example' } }, 'cookie.path'],
  ['a cookie path with CR/LF', { cookie: { path: '/\r\nSet-Cookie: admin=1' } }, 'cookie.path'],
  ['a cookie path with a space', { cookie: { path: '/my app' } }, 'cookie.path'],
  ['a non-string cookie path', { cookie: { path: 42 } }, 'cookie.path'],
  ['a cookie domain with ";"', { cookie: { domain: 'example.com; Secure' } }, 'cookie.domain'],
  ['a cookie domain with CR/LF', { cookie: { domain: 'example.com\r\nX-Injected: 1' } }, 'cookie.domain'],
  ['a cookie domain with a space', { cookie: { domain: 'exa mple.com' } }, 'cookie.domain'],
  ['a cookie domain that is a URL', { cookie: { domain: 'https://example.com' } }, 'cookie.domain'],
  ['a cookie domain with an empty label', { cookie: { domain: 'example..com' } }, 'cookie.domain'],
  ['an empty cookie domain', { cookie: { domain: '' } }, 'cookie.domain'],
  // other cookie attributes
  ["sameSite 'none' without secure", { cookie: { sameSite: 'none', secure: false } }, 'cookie.sameSite'],
  ["sameSite 'none' with secure 'auto'", { cookie: { sameSite: 'none', secure: 'auto' } }, 'cookie.sameSite'],
  ['an unknown sameSite', { cookie: { sameSite: 'sometimes' } }, 'cookie.sameSite'],
  ['sameSite true', { cookie: { sameSite: true } }, 'cookie.sameSite'],
  ['partitioned without secure', { cookie: { partitioned: true, secure: false } }, 'cookie.partitioned'],
  ['a non-boolean partitioned', { cookie: { partitioned: 'yes' } }, 'cookie.partitioned'],
  ['an unknown secure', { cookie: { secure: 'always' } }, 'cookie.secure'],
  ['a non-boolean httpOnly', { cookie: { httpOnly: 'no' } }, 'cookie.httpOnly'],
  ['an unknown priority', { cookie: { priority: 'urgent' } }, 'cookie.priority'],
  ['a cookie that is not an object', { cookie: 'session' }, 'cookie'],
  // lifetime and the rest
  ['a negative lifetime', { lifetime: -1 }, 'lifetime'],
  ['a fractional lifetime', { lifetime: 1.5 }, 'lifetime'],
  ['a string lifetime', { lifetime: '3600' }, 'lifetime'],
  ['a NaN lifetime', { lifetime: Number.NaN }, 'lifetime'],
  ['an infinite lifetime', { lifetime: Number.POSITIVE_INFINITY }, 'lifetime'],
  ['a lifetime over 400 days', { lifetime: 400 * 24 * 3600 + 1 }, 'lifetime'],
  ['a non-boolean rolling', { rolling: 'yes' }, 'rolling'],
  ['a non-boolean commitOnServerError', { commitOnServerError: 1 }, 'commitOnServerError'],
  ['an autoload string', { autoload: 'yes' }, 'autoload'],
  ['an autoload prefix without a leading slash', { autoload: ['api'] }, 'autoload'],
  ['a clock that is not a function', { clock: 42 }, 'clock'],
  ['an onError that is not a function', { onError: 'log' }, 'onError'],
  ['a backend that is not one', { backend: { read: () => undefined } }, 'backend'],
  ['a backend class that is not a SessionBackend', { backend: NotABackend }, 'backend'],
  ['a schema that is not a class', { schema: 42 }, 'schema'],
  ['validation without a schema', { validation: {} }, 'validation'],
];

function optionsOf(options: Record<string, unknown>): SessionOptions {
  return ('secretKey' in options ? options : { secretKey: SECRET, ...options }) as SessionOptions;
}

function expectInvalidOption(error: unknown, option: string): void {
  expect(error, 'a SessionError').to.be.instanceOf(SessionError);
  const { code, message, stack } = error as SessionError;
  expect(code).to.equal('INVALID_OPTION');
  expect(message, 'names the option').to.contain(`\`${option}\``);
  for (const secret of [SECRET, SHORT, SECRET.slice(0, 31)]) {
    expect(message, 'echoes no secret').to.not.contain(secret);
    expect(String(stack), 'echoes no secret in the stack').to.not.contain(secret);
  }
  expect(message, 'carries no line break').to.not.match(/[\r\n]/);
}

describe('security: configuration errors at start-up', () => {
  for (const [title, options, option] of CASES) {
    it(`refuses ${title}, naming \`${option}\``, () => {
      expectInvalidOption(
        thrownBy(() => configureSessions(optionsOf(options))),
        option,
      );
      expectInvalidOption(
        thrownBy(() => resolveSessionOptions(optionsOf(options), backendClass => Container.get(backendClass))),
        option,
      );
    });
  }

  it('refuses options that are not an object', () => {
    for (const options of [null, undefined, SECRET, 42]) {
      expectInvalidOption(
        thrownBy(() => configureSessions(options as unknown as SessionOptions)),
        'options',
      );
    }
  });

  it('accepts the strict settings the refusals point to (the cases fail for the reason they name)', () => {
    expect(() =>
      configureSessions({ secretKey: SECRET, cookie: { name: '__Host-session', secure: true, path: '/' } }),
    ).to.not.throw();
    expect(() =>
      configureSessions({ secretKey: SECRET, cookie: { name: '__Secure-session', domain: 'example.com' } }),
    ).to.not.throw();
    expect(() =>
      configureSessions({ secretKey: [SECRET, `${SECRET}-older`], backend: EncryptedCookieBackend }),
    ).to.not.throw();
    expect(() =>
      configureSessions({ secretKey: SECRET, cookie: { sameSite: 'none', partitioned: true } }),
    ).to.not.throw();
  });
});
