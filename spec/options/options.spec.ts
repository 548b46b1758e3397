import { expect } from 'chai';
import { Container, Service } from 'typedi';
import {
  CookieBackend,
  InMemoryBackend,
  SessionMiddleware,
  SessionSettings,
  SessionBackend,
  SessionError,
  configureSessions,
  type SessionData,
  type SessionOptions,
} from '../../src';
import { SECRET } from '../support/app';

const SHORT_SECRET = 'short-but-very-secret';

@Service()
class ContainerBackend extends InMemoryBackend {}

class UnregisteredBackend extends SessionBackend {
  constructor(readonly required: string) {
    super();
  }
  async read(): Promise<SessionData | undefined> {
    return undefined;
  }
  async write(): Promise<string> {
    return this.required;
  }
  async remove(): Promise<void> {}
  override async exists(): Promise<boolean> {
    return false;
  }
}

/** Runs configureSessions and returns the SessionError it throws. */
function rejection(options: SessionOptions): SessionError {
  try {
    configureSessions(options as SessionOptions);
  } catch (error) {
    expect(error).to.be.instanceOf(SessionError);
    expect((error as SessionError).code).to.equal('INVALID_OPTION');
    return error as SessionError;
  }
  throw new Error('configureSessions accepted bad options');
}

describe('configureSessions()', () => {
  it('registers the resolved options in the container, frozen', () => {
    const config = configureSessions({ secretKey: SECRET });
    expect(Container.get(SessionSettings).get(SessionMiddleware)).to.equal(config);
    expect(Object.isFrozen(config)).to.equal(true);
    expect(config.backend).to.be.instanceOf(CookieBackend);
    expect(config.cookie).to.deep.equal({
      name: 'session',
      path: '/',
      domain: undefined,
      sameSite: 'lax',
      secure: true,
      httpOnly: true,
      partitioned: false,
      priority: undefined,
    });
    expect(config.lifetime).to.equal(1209600);
    expect(config.rolling).to.equal(false);
  });

  it('registers in a container of its own when given one', () => {
    const container = Container.of('configure-spec');
    const config = configureSessions({ secretKey: SECRET, lifetime: 60 }, container);
    expect(container.get(SessionSettings).get(SessionMiddleware)).to.equal(config);
    expect(Container.get(SessionSettings).get(SessionMiddleware)).to.not.equal(config);
  });

  it('takes a backend instance as it is', () => {
    const backend = new InMemoryBackend();
    expect(configureSessions({ backend }).backend).to.equal(backend);
  });

  it('resolves a backend class from the container', () => {
    const config = configureSessions({ backend: ContainerBackend });
    expect(config.backend).to.equal(Container.get(ContainerBackend));
  });

  it('builds a CookieBackend class from secretKey', () => {
    expect(configureSessions({ secretKey: SECRET, backend: CookieBackend }).backend).to.be.instanceOf(CookieBackend);
  });

  it('needs no secretKey for a server-side backend', () => {
    expect(() => configureSessions({ backend: new InMemoryBackend() })).to.not.throw();
  });

  describe('rejects at start-up, naming the option', () => {
    const cases: Array<[string, SessionOptions, string]> = [
      ['a missing secretKey for the cookie backend', {}, '`secretKey`'],
      ['a short secretKey', { secretKey: SHORT_SECRET }, '`secretKey`'],
      ['a short key among several', { secretKey: [SECRET, SHORT_SECRET] }, '`secretKey`'],
      ['an empty list of keys', { secretKey: [] }, '`secretKey`'],
      ['a non-string key', { secretKey: [42 as unknown as string] }, '`secretKey`'],
      ['duplicate keys', { secretKey: [SECRET, SECRET] }, '`secretKey`'],
      ['an unknown option', { secretKey: SECRET, secret: 'x' } as SessionOptions, '`secret`'],
      ['a negative lifetime', { secretKey: SECRET, lifetime: -1 }, '`lifetime`'],
      ['a fractional lifetime', { secretKey: SECRET, lifetime: 1.5 }, '`lifetime`'],
      ['a lifetime over 400 days', { secretKey: SECRET, lifetime: 401 * 24 * 3600 }, '`lifetime`'],
      ['a non-boolean rolling', { secretKey: SECRET, rolling: 'yes' as unknown as boolean }, '`rolling`'],
      ['a bad autoload entry', { secretKey: SECRET, autoload: ['app'] }, '`autoload`'],
      ['a bad autoload value', { secretKey: SECRET, autoload: 'yes' as unknown as boolean }, '`autoload`'],
      ['a cookie name with a space', { secretKey: SECRET, cookie: { name: 'my session' } }, '`cookie.name`'],
      ['a cookie name with a semicolon', { secretKey: SECRET, cookie: { name: 'a;b' } }, '`cookie.name`'],
      ['an empty cookie name', { secretKey: SECRET, cookie: { name: '' } }, '`cookie.name`'],
      ['a cookie path with a semicolon', { secretKey: SECRET, cookie: { path: '/a;Domain=evil' } }, '`cookie.path`'],
      ['a relative cookie path', { secretKey: SECRET, cookie: { path: 'app' } }, '`cookie.path`'],
      ['a cookie domain with a semicolon', { secretKey: SECRET, cookie: { domain: 'a.com;x' } }, '`cookie.domain`'],
      [
        'sameSite none without secure',
        { secretKey: SECRET, cookie: { sameSite: 'none', secure: false } },
        '`cookie.sameSite`',
      ],
      [
        'sameSite none with secure auto',
        { secretKey: SECRET, cookie: { sameSite: 'none', secure: 'auto' } },
        '`cookie.sameSite`',
      ],
      ['an unknown sameSite', { secretKey: SECRET, cookie: { sameSite: 'loose' as 'lax' } }, '`cookie.sameSite`'],
      ['an unknown secure', { secretKey: SECRET, cookie: { secure: 'yes' as unknown as boolean } }, '`cookie.secure`'],
      [
        'partitioned without secure',
        { secretKey: SECRET, cookie: { partitioned: true, secure: false } },
        '`cookie.partitioned`',
      ],
      ['an unknown priority', { secretKey: SECRET, cookie: { priority: 'urgent' as 'high' } }, '`cookie.priority`'],
      ['an unknown cookie option', { secretKey: SECRET, cookie: { maxAge: 3 } as object }, '`cookie.maxAge`'],
      [
        '__Host- with a domain',
        { secretKey: SECRET, cookie: { name: '__Host-s', domain: 'example.com' } },
        '`cookie.name`',
      ],
      ['__Host- with a path', { secretKey: SECRET, cookie: { name: '__Host-s', path: '/app' } }, '`cookie.name`'],
      ['__Host- without secure', { secretKey: SECRET, cookie: { name: '__Host-s', secure: 'auto' } }, '`cookie.name`'],
      [
        '__Secure- without secure',
        { secretKey: SECRET, cookie: { name: '__Secure-s', secure: false } },
        '`cookie.name`',
      ],
      ['a backend that is not one', { backend: {} as SessionBackend }, '`backend`'],
      ['a backend class the container cannot build', { backend: UnregisteredBackend }, '`backend`'],
      ['a non-function clock', { secretKey: SECRET, clock: 5 as unknown as () => number }, '`clock`'],
      ['a non-function onError', { secretKey: SECRET, onError: 'log' as unknown as () => void }, '`onError`'],
    ];
    for (const [label, options, option] of cases) {
      it(label, () => {
        const error = rejection(options);
        expect(error.message).to.include(option);
      });
    }

    it('without echoing a secret', () => {
      for (const options of [{ secretKey: SHORT_SECRET }, { secretKey: [SECRET, SHORT_SECRET] }]) {
        const error = rejection(options);
        expect(error.message).to.not.include(SHORT_SECRET);
        expect(error.message).to.not.include(SECRET);
        expect(JSON.stringify(error)).to.not.include(SHORT_SECRET);
      }
    });

    it('for a non-object', () => {
      expect(rejection(null as unknown as SessionOptions).message).to.include('`options`');
    });
  });

  describe('accepts', () => {
    it('__Host- with secure, path / and no domain', () => {
      expect(configureSessions({ secretKey: SECRET, cookie: { name: '__Host-session' } }).cookie.name).to.equal(
        '__Host-session',
      );
    });

    it('sameSite none with secure', () => {
      expect(
        configureSessions({ secretKey: SECRET, cookie: { sameSite: 'none', secure: true } }).cookie.sameSite,
      ).to.equal('none');
    });

    it('key rotation lists', () => {
      expect(() => configureSessions({ secretKey: [SECRET, SECRET.toUpperCase()] })).to.not.throw();
    });
  });
});
