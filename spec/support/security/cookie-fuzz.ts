/**
 * Property-based fuzzing of the Cookie request header, shared by the in-test run (cookie-fuzz.spec.ts) and the long
 * run (`npm run fuzz`, fuzz-cookies.ts).
 *
 * One app serves both cookie backends: the default signed CookieBackend under the cookie `session`, and an
 * EncryptedCookieBackend under `sealed` (a SessionMiddleware subclass configured on its own). It listens once on
 * 127.0.0.1 and is driven over one keep-alive connection, so thousands of requests take seconds. Headers are made of
 * random cookie names (the real ones, lookalikes, random tokens) and values (genuine cookies, mutated genuine
 * cookies, cookie-octets, any byte a header may carry), in random shapes. The property: every request gets a 200
 * with the session the route promises, never an error status, and nothing is thrown outside a request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request } from 'express';
import fc from 'fast-check';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { EncryptedCookieBackend, SessionMiddleware } from '../../../src';
import { SECRET, createApp, type ControllerClass } from '../app';
import { countVisit } from '../session-controller';

/** The session middleware of the encrypted area, configured on its own. */
@Service()
export class SealedFuzzSessions extends SessionMiddleware {}

/** The same routes for each area, under `/fuzz/<area>` behind that area's session middleware. */
function fuzzController(area: string, middleware: typeof SessionMiddleware): ControllerClass {
  @JsonController(`/fuzz/${area}`)
  @UseBefore(middleware)
  @Service()
  class FuzzController {
    @Get('/count')
    async count(@Req() req: Request) {
      return countVisit(req);
    }

    @Get('/peek')
    async peek(@Req() req: Request) {
      await req.session.load();
      return { count: req.session.count ?? 0 };
    }

    @Post('/regenerate')
    async regenerate(@Req() req: Request) {
      await req.session.regenerate();
      return countVisit(req);
    }

    @Post('/destroy')
    async destroy(@Req() req: Request) {
      await req.session.destroy();
      return { count: 0 };
    }
  }
  return FuzzController;
}

const SignedFuzzController = fuzzController('signed', SessionMiddleware);
const SealedFuzzController = fuzzController('sealed', SealedFuzzSessions);

/** The routes fuzzed: every one answers 200 with `{ count }` for any Cookie header. */
export const FUZZ_ROUTES: ReadonlyArray<readonly [method: string, path: string]> = [
  ['GET', '/fuzz/signed/count'],
  ['GET', '/fuzz/signed/peek'],
  ['POST', '/fuzz/signed/regenerate'],
  ['POST', '/fuzz/signed/destroy'],
  ['GET', '/fuzz/sealed/count'],
  ['GET', '/fuzz/sealed/peek'],
  ['POST', '/fuzz/sealed/regenerate'],
];

/** What one fuzzed request sends. */
export interface FuzzInput {
  route: readonly [string, string];
  cookie: string;
}

/** A running app to fuzz. */
export interface FuzzTarget {
  /** Genuine cookies (`name=value`) the app issued at start, for both backends. */
  readonly genuine: ReadonlyArray<{ name: string; value: string }>;
  send(input: FuzzInput): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** Starts the app on an ephemeral port and collects a few genuine cookies from it. */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  const app = createApp([SignedFuzzController, SealedFuzzController], {});
  SealedFuzzSessions.configure({ secretKey: SECRET, backend: EncryptedCookieBackend, cookie: { name: 'sealed' } });
  const server = http.createServer(app);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  const send = (input: FuzzInput, onCookie?: (line: string) => void) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          agent,
          method: input.route[0],
          path: input.route[1],
          headers: { cookie: input.cookie },
        },
        res => {
          for (const line of res.headers['set-cookie'] ?? []) onCookie?.(line);
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      // A request that never answers is a failure too (a commit that hangs), not a stuck run.
      req.setTimeout(5000, () => req.destroy(new Error('no response within 5 s')));
      req.on('error', reject);
      req.end();
    });

  const genuine: Array<{ name: string; value: string }> = [];
  const collect = (line: string) => {
    const pair = line.split(';')[0];
    const eq = pair.indexOf('=');
    if (eq > 0 && eq < pair.length - 1) genuine.push({ name: pair.slice(0, eq), value: pair.slice(eq + 1) });
  };
  for (const route of FUZZ_ROUTES.filter(([method]) => method === 'POST')) await send({ route, cookie: '' }, collect);
  for (const route of FUZZ_ROUTES.filter(([, path]) => path.endsWith('/count')))
    await send({ route, cookie: '' }, collect);
  if (!genuine.some(cookie => cookie.name === 'session') || !genuine.some(cookie => cookie.name === 'sealed')) {
    throw new Error('the fuzz target issued no genuine cookies to mutate');
  }

  return {
    genuine,
    send: input => send(input),
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Characters Node lets a header value carry: tab, visible ASCII and space, and latin-1 bytes 0x80-0xFF. */
const HEADER_CODES = [9, ...range(0x20, 0x7e), ...range(0x80, 0xff)];
/** RFC 6265 cookie-octets: what a well-formed value is made of. */
const OCTET_CODES = [0x21, ...range(0x23, 0x2b), ...range(0x2d, 0x3a), ...range(0x3c, 0x5b), ...range(0x5d, 0x7e)];

function charFrom(codes: readonly number[]): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: codes.length - 1 }).map(i => String.fromCharCode(codes[i]));
}

function textFrom(codes: readonly number[], maxLength: number): fc.Arbitrary<string> {
  return fc.array(charFrom(codes), { maxLength }).map(chars => chars.join(''));
}

/** A genuine value changed in one place, the way an attacker (or a broken proxy) would change it. */
function mutated(values: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...values),
      fc.nat(),
      fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'repeat', 'swap-case', 'pad'),
      charFrom(HEADER_CODES),
      charFrom(OCTET_CODES),
    )
    .map(([value, position, how, anyChar, octet]) => {
      const at = position % (value.length + 1);
      switch (how) {
        case 'flip':
          return value.slice(0, at) + octet + value.slice(at + 1);
        case 'insert':
          return value.slice(0, at) + (position % 2 === 0 ? octet : anyChar) + value.slice(at);
        case 'delete':
          return value.slice(0, at) + value.slice(at + 1);
        case 'truncate':
          return value.slice(0, at);
        case 'repeat':
          return value + value.slice(at);
        case 'swap-case':
          return (
            value.slice(0, at) +
            value.slice(at).replace(/[a-z]/gi, c => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
          );
        default:
          return value + 'A'.repeat(4096 - value.length + (position % 3) - 1);
      }
    });
}

/** Random Cookie headers built around the genuine cookies of `target`. */
export function cookieHeaders(genuine: ReadonlyArray<{ name: string; value: string }>): fc.Arbitrary<string> {
  const values = genuine.map(cookie => cookie.value);
  const name = fc.oneof(
    fc.constantFrom(
      'session',
      'sealed',
      'Session',
      'SEALED',
      'sessio',
      'sessions',
      'xsession',
      '__Host-session',
      'sealed.',
      's',
      '',
    ),
    fc.constantFrom(' session', 'session ', '\tsealed', '"session"', 'session\u00e9'),
    textFrom(OCTET_CODES, 12),
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...values) },
    { weight: 6, arbitrary: mutated(values) },
    { weight: 2, arbitrary: textFrom(OCTET_CODES, 80) },
    { weight: 2, arbitrary: textFrom(HEADER_CODES, 80) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '.',
        '..',
        '...',
        '"',
        '""',
        '"."',
        '%00',
        '=',
        'e1.',
        'e1',
        '{}',
        '{"count":1}',
        'null',
        '__proto__',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 4000, max: 4200 }).map(length => 'e1.'.padEnd(length, 'A')) },
  );
  const pair = fc
    .tuple(name, fc.constantFrom('=', '=', '=', ' = ', '==', ''), value)
    .map(([n, eq, v]) => `${n}${eq}${v}`);
  const separator = fc.constantFrom('; ', '; ', ';', ' ;', ';;', ', ', '\t; ');
  return (
    fc
      .oneof(
        {
          weight: 8,
          arbitrary: fc.tuple(fc.array(pair, { maxLength: 6 }), separator).map(([pairs, sep]) => pairs.join(sep)),
        },
        { weight: 1, arbitrary: textFrom(HEADER_CODES, 300) },
      )
      // Below Node's 16 KiB header limit: the property is about our code, not about the server refusing big headers.
      .map(header => header.slice(0, 12_000))
  );
}

/** Random requests: a route and a Cookie header. */
export function fuzzInputs(target: FuzzTarget): fc.Arbitrary<FuzzInput> {
  return fc.record({ route: fc.constantFrom(...FUZZ_ROUTES), cookie: cookieHeaders(target.genuine) });
}

/** Sends `input`; throws unless the answer is a 200 carrying a non-negative `count`. */
export async function checkRequest(target: FuzzTarget, input: FuzzInput): Promise<void> {
  const { status, body } = await target.send(input);
  if (status >= 500) throw new Error(`status ${status}: ${body.slice(0, 200)}`);
  if (status !== 200) throw new Error(`status ${status} (expected 200): ${body.slice(0, 200)}`);
  const count = (JSON.parse(body) as { count?: unknown }).count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw new Error(`unexpected body ${body.slice(0, 200)}`);
}

/** The fuzz property: every request gets its 200. */
export function cookieFuzzProperty(target: FuzzTarget): fc.IAsyncPropertyWithHooks<[FuzzInput]> {
  return fc.asyncProperty(fuzzInputs(target), input => checkRequest(target, input));
}
