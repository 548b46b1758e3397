/**
 * The commit point: the session is committed before the response's status line reaches the client, whatever
 * shape the response takes (see notes/commit-point.md, "hold and replay").
 *
 * Every response shape runs on both express majors and is checked three ways:
 * - the client gets the status and body the handler meant, and the session cookie beside any cookie of the app;
 * - with a slow backend, the write has finished (and the record is in the store) before the status line arrives;
 * - with a failing write, the client gets a 503 JSON error, no Set-Cookie, and not the handler's answer.
 *
 * Order is proven with a monotonic sequence (`nextSequence()`), never with durations.
 */
import { expect } from 'chai';
import type { Request, Response } from 'express';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, Controller, Get, JsonController, Redirect, Req, Res, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { type BackendContext, InMemoryBackend, SessionMiddleware, type SessionData } from '../../src';
import { EXPRESS_MAJORS, createApp, type ControllerClass, type ExpressMajor } from '../support/app';
import { FaultyBackend } from '../support/faulty-backend';
import {
  type RawClient,
  type RawResponse,
  cookieFrom,
  headerLines,
  nextSequence,
  setCookieLine,
  setCookieValue,
  withServer,
} from '../support/http';

// ---- Test doubles and shared state ----

/** Records, with {@link nextSequence}, when each write finished in the store. */
class SequencedBackend extends FaultyBackend {
  readonly writesDone: number[] = [];

  constructor() {
    super(new InMemoryBackend());
  }

  get memory(): InMemoryBackend {
    return this.inner as InMemoryBackend;
  }

  override async write(data: SessionData, sessionId?: string, ctx?: BackendContext): Promise<string> {
    const id = await super.write(data, sessionId, ctx);
    this.writesDone.push(nextSequence());
    return id;
  }
}

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(done => (resolve = done));
  return { promise, resolve };
}

/** One event-loop turn; used to let a handler yield, never to wait for readiness. */
function turn(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve));
}

/** What each handler stores in the session: its method and path, so the record says which request wrote it. */
function label(req: Request): string {
  return `${req.method} ${req.originalUrl.split('?')[0]}`;
}

async function touch(req: Request): Promise<void> {
  await req.session.load();
  req.session.shape = label(req);
}

const MiB = 1024 * 1024;
/** A 1 MiB payload with a pattern, so a lost, doubled or reordered chunk shows. */
const PAYLOAD = Buffer.alloc(MiB, 0);
for (let i = 0; i < PAYLOAD.length; i += 4) PAYLOAD.writeUInt32BE(i / 4, i);

/** The SSE handler waits for the client to have its headers before the last event, so streaming must flow. */
let sseGate = deferred();
/** What the drain route's producer saw. */
let producer = { sawFalse: false, drained: false, finished: deferred() };
/** What the untouched route saw right after sending. */
let untouched: { headersSentAfterSend?: boolean; ownWrappers?: string[] } = {};

// ---- Controllers: one route per response shape ----

@JsonController('/commit/json')
@UseBefore(SessionMiddleware)
@Service()
class JsonShapes {
  /** Autoloaded (see `setup`), so the handler can be synchronous. */
  @Get('/sync')
  sync(@Req() req: Request) {
    req.session.shape = label(req);
    return { shape: 'sync' };
  }

  @Get('/async')
  async asyncReturn(@Req() req: Request) {
    await touch(req);
    await turn();
    return { shape: 'async' };
  }

  /** The body never changes, so a second GET with If-None-Match gets a 304. */
  @Get('/etag')
  async etag(@Req() req: Request) {
    await touch(req);
    return { shape: 'etag' };
  }

  @Get('/redirect')
  @Redirect('/commit/json/whoami')
  async redirect(@Req() req: Request) {
    await touch(req);
    return undefined;
  }

  /** Reads the session without changing it. */
  @Get('/whoami')
  async whoami(@Req() req: Request) {
    await req.session.load();
    return { shape: req.session.shape ?? null };
  }
}

@Controller('/commit/res')
@UseBefore(SessionMiddleware)
@Service()
class ResShapes {
  @Get('/send')
  async send(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    return res.status(201).send('sent by send');
  }

  @Get('/json')
  async json(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    return res.status(202).json({ shape: 'res json' });
  }

  @Get('/redirect')
  async redirect(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.redirect(303, '/commit/json/whoami');
    return res;
  }

  @Get('/end')
  async end(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.statusCode = 203;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return res.end('ended by end');
  }

  @Get('/write-head')
  async writeHead(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('written by writeHead');
  }

  @Get('/write-head-array')
  async writeHeadArray(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.writeHead(200, ['Content-Type', 'text/plain; charset=utf-8', 'X-Shape', 'array']);
    return res.end('written by writeHead with a flat array');
  }

  @Get('/send-cookie')
  async sendCookie(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.cookie('app', 'send', { path: '/' });
    return res.send('sent with a cookie');
  }

  @Get('/json-cookie')
  async jsonCookie(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.cookie('app', 'json', { path: '/' });
    return res.json({ shape: 'res json with a cookie' });
  }

  @Get('/redirect-cookie')
  async redirectCookie(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.cookie('app', 'redirect', { path: '/' });
    res.redirect('/commit/json/whoami');
    return res;
  }

  @Get('/end-cookies')
  async endCookies(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.setHeader('Set-Cookie', ['app=end; Path=/', 'app2=end; Path=/']);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return res.end('ended with two cookies');
  }

  @Get('/write-head-object-cookie')
  async writeHeadObjectCookie(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Set-Cookie': 'app=object; Path=/' });
    return res.end('writeHead with an object and a cookie');
  }

  @Get('/write-head-message-cookies')
  async writeHeadMessageCookies(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.writeHead(200, 'Fine', {
      'set-cookie': ['app=message; Path=/', 'app2=message; Path=/'],
      'Content-Type': 'text/plain',
    });
    return res.end('writeHead with a status message and two cookies');
  }

  @Get('/write-head-array-cookie')
  async writeHeadArrayCookie(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.writeHead(200, ['Set-Cookie', 'app=array; Path=/', 'Content-Type', 'text/plain; charset=utf-8']);
    return res.end('writeHead with a flat array and a cookie');
  }

  /**
   * Two Set-Cookie pairs in a flat array: which of them Node keeps depends on its version (Node 20 sets each pair
   * in turn, so the last wins; later versions append). `?session=no` answers the same without loading the session,
   * so the spec can compare with what Node itself sends.
   */
  @Get('/write-head-array-cookies')
  async writeHeadArrayCookies(@Req() req: Request, @Res() res: Response) {
    if (req.query.session !== 'no') await touch(req);
    res.writeHead(200, [
      'Set-Cookie',
      'app=array; Path=/',
      'Content-Type',
      'text/plain; charset=utf-8',
      'Set-Cookie',
      'app2=array; Path=/',
    ]);
    return res.end('writeHead with a flat array and two cookies');
  }

  /**
   * Sends, then returns undefined: routing-controllers answers 404 on the sent response. `?late`: returns once the
   * response is out, so that 404 and its `next(err)` come after the hold was released.
   */
  @Get('/send-undefined')
  async sendUndefined(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.status(200).send('sent, then returned undefined');
    if (req.query.late !== undefined) await new Promise(resolve => res.once('finish', resolve));
  }
}

@Controller('/commit/stream')
@UseBefore(SessionMiddleware)
@Service()
class StreamShapes {
  @Get('/write-end')
  async writeEnd(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.write('one,');
    await turn();
    res.write('two,');
    await turn();
    res.end('three');
    return res;
  }

  @Get('/sse')
  async sse(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.flushHeaders();
    res.write('data: 1\n\n');
    await turn();
    res.write('data: 2\n\n');
    await sseGate.promise; // the client has the headers: the stream is flowing, not held until the end
    res.write('data: 3\n\n');
    res.end();
    return res;
  }

  /** The usual SSE handler: returns `res` at once and keeps writing; routing-controllers calls `next()` meanwhile. */
  @Get('/sse-returns-early')
  async sseReturnsEarly(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.setHeader('Content-Type', 'text/event-stream');
    res.flushHeaders();
    res.write('data: 1\n\n');
    void (async () => {
      await turn();
      res.write('data: 2\n\n');
      await sseGate.promise;
      res.write('data: 3\n\n');
      res.end();
    })();
    return res;
  }

  @Get('/pipe')
  async pipe(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.setHeader('Content-Type', 'application/octet-stream');
    const chunks: Buffer[] = [];
    for (let i = 0; i < PAYLOAD.length; i += 64 * 1024) chunks.push(PAYLOAD.subarray(i, i + 64 * 1024));
    // Returned only once piped: routing-controllers calls next() on a returned `res`, and express's final handler
    // answers 404 over a response that has not started yet (without sessions, too).
    await pipeline(Readable.from(chunks), res);
    return res;
  }

  @Get('/readable')
  async readable(@Req() req: Request) {
    await touch(req);
    return Readable.from(['alpha,', 'beta,', 'gamma']);
  }

  /** Writes 1 KiB chunks until write() says stop, waits for 'drain', then ends. */
  @Get('/drain')
  async drain(@Req() req: Request, @Res() res: Response) {
    await touch(req);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    const chunk = 'x'.repeat(1024);
    for (let i = 0; i < 1024; i++) {
      if (!res.write(chunk)) {
        producer.sawFalse = true;
        break;
      }
    }
    if (producer.sawFalse) {
      await once(res, 'drain');
      producer.drained = true;
    }
    res.end('end');
    producer.finished.resolve();
    return res;
  }
}

@JsonController('/commit/error')
@UseBefore(SessionMiddleware)
@Service()
class ErrorShapes {
  @Get('/http')
  async http(@Req() req: Request) {
    await touch(req);
    throw new BadRequestError('form rejected');
  }

  @Get('/plain')
  async plain(@Req() req: Request) {
    await touch(req);
    throw new Error('boom');
  }
}

@JsonController('/commit/plain')
@UseBefore(SessionMiddleware)
@Service()
class UntouchedShapes {
  /** Never loads the session. */
  @Get('/untouched')
  untouched(@Res() res: Response) {
    res.status(200).json({ shape: 'untouched' });
    untouched = {
      headersSentAfterSend: res.headersSent,
      ownWrappers: ['writeHead', 'flushHeaders', 'write', 'end', 'setHeader', 'removeHeader'].filter(name =>
        Object.hasOwn(res, name),
      ),
    };
    return res;
  }
}

const CONTROLLERS = [JsonShapes, ResShapes, StreamShapes, ErrorShapes, UntouchedShapes];

function setup(major: ExpressMajor, delayMs = 0, controllers: ControllerClass[] = CONTROLLERS) {
  const backend = new SequencedBackend();
  backend.delayMs = delayMs;
  const app = createApp(controllers, { backend, autoload: ['/commit/json/sync'] }, { express: major });
  return { backend, app };
}

// ---- The response shapes ----

interface Shape {
  name: string;
  method?: 'GET' | 'HEAD';
  path: string;
  status: number;
  statusMessage?: string;
  /** Checks the body (and content headers) the handler meant. */
  check(res: RawResponse): void;
  /**
   * Cookies the application sets itself: each must arrive on its own line beside the session cookie.
   * `'as-without-session'`: the same lines Node sends for `?session=no`, a request that never loads the session.
   */
  appCookies?: string[] | 'as-without-session';
  /** Where a redirect points. */
  location?: string;
  /** Text only the handler's success answer contains. */
  marker?: string;
  /** Headers for the measured request, built with earlier requests (e.g. If-None-Match). */
  prepare?: (client: RawClient) => Promise<OutgoingHttpHeaders>;
  onHeaders?: () => void;
}

function jsonBody(expected: unknown) {
  return (res: RawResponse) => {
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(JSON.parse(res.text)).to.deep.equal(expected);
  };
}

function textBody(expected: string) {
  return (res: RawResponse) => expect(res.text).to.equal(expected);
}

function emptyBody(res: RawResponse): void {
  expect(res.body.length).to.equal(0);
}

/** The three server-sent events the SSE routes write. */
function threeEvents(res: RawResponse): void {
  expect(res.headers['content-type']).to.equal('text/event-stream');
  expect(res.text).to.equal('data: 1\n\ndata: 2\n\ndata: 3\n\n');
}

const SHAPES: Shape[] = [
  {
    name: 'JSON return (sync handler)',
    path: '/commit/json/sync',
    status: 200,
    check: jsonBody({ shape: 'sync' }),
    marker: 'sync',
  },
  {
    name: 'async return',
    path: '/commit/json/async',
    status: 200,
    check: jsonBody({ shape: 'async' }),
    marker: 'async',
  },
  {
    name: '@Redirect',
    path: '/commit/json/redirect',
    status: 302,
    location: '/commit/json/whoami',
    check: () => undefined,
    marker: 'Redirecting',
  },
  {
    name: 'HEAD',
    method: 'HEAD',
    path: '/commit/json/async',
    status: 200,
    check: res => {
      emptyBody(res);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(Number(res.headers['content-length'])).to.equal(Buffer.byteLength(JSON.stringify({ shape: 'async' })));
    },
  },
  {
    name: 'ETag/304 (second GET with If-None-Match)',
    path: '/commit/json/etag',
    status: 304,
    prepare: async client => {
      const first = await client.request({ path: '/commit/json/etag' });
      expect(first.status).to.equal(200);
      const etag = first.headers.etag;
      expect(etag, 'the first GET carries an ETag').to.be.a('string');
      return { 'If-None-Match': etag as string };
    },
    check: res => {
      emptyBody(res);
      expect(res.headers.etag).to.be.a('string');
    },
  },
  { name: '@Res send', path: '/commit/res/send', status: 201, check: textBody('sent by send'), marker: 'sent by send' },
  {
    name: '@Res json',
    path: '/commit/res/json',
    status: 202,
    check: jsonBody({ shape: 'res json' }),
    marker: 'res json',
  },
  {
    name: '@Res redirect',
    path: '/commit/res/redirect',
    status: 303,
    location: '/commit/json/whoami',
    check: () => undefined,
    marker: 'Redirecting',
  },
  { name: '@Res end', path: '/commit/res/end', status: 203, check: textBody('ended by end'), marker: 'ended by end' },
  {
    name: '@Res writeHead (object headers)',
    path: '/commit/res/write-head',
    status: 200,
    check: textBody('written by writeHead'),
    marker: 'written by writeHead',
  },
  {
    name: '@Res writeHead (flat-array headers)',
    path: '/commit/res/write-head-array',
    status: 200,
    check: res => {
      expect(res.text).to.equal('written by writeHead with a flat array');
      expect(res.headers['x-shape']).to.equal('array');
    },
    marker: 'flat array',
  },
  {
    name: '@Res send with its own Set-Cookie',
    path: '/commit/res/send-cookie',
    status: 200,
    appCookies: ['app'],
    check: textBody('sent with a cookie'),
    marker: 'sent with a cookie',
  },
  {
    name: '@Res json with its own Set-Cookie',
    path: '/commit/res/json-cookie',
    status: 200,
    appCookies: ['app'],
    check: jsonBody({ shape: 'res json with a cookie' }),
    marker: 'with a cookie',
  },
  {
    name: '@Res redirect with its own Set-Cookie',
    path: '/commit/res/redirect-cookie',
    status: 302,
    location: '/commit/json/whoami',
    appCookies: ['app'],
    check: () => undefined,
    marker: 'Redirecting',
  },
  {
    name: '@Res end with its own Set-Cookie list (setHeader)',
    path: '/commit/res/end-cookies',
    status: 200,
    appCookies: ['app', 'app2'],
    check: textBody('ended with two cookies'),
    marker: 'two cookies',
  },
  {
    name: '@Res writeHead with its own Set-Cookie (object headers)',
    path: '/commit/res/write-head-object-cookie',
    status: 200,
    appCookies: ['app'],
    check: textBody('writeHead with an object and a cookie'),
    marker: 'an object and a cookie',
  },
  {
    name: '@Res writeHead with a status message and two Set-Cookie values (object headers)',
    path: '/commit/res/write-head-message-cookies',
    status: 200,
    statusMessage: 'Fine',
    appCookies: ['app', 'app2'],
    check: textBody('writeHead with a status message and two cookies'),
    marker: 'status message',
  },
  {
    name: '@Res writeHead with its own Set-Cookie (flat-array headers)',
    path: '/commit/res/write-head-array-cookie',
    status: 200,
    appCookies: ['app'],
    check: textBody('writeHead with a flat array and a cookie'),
    marker: 'flat array and a cookie',
  },
  {
    name: '@Res writeHead with two Set-Cookie pairs (flat-array headers)',
    path: '/commit/res/write-head-array-cookies',
    status: 200,
    appCookies: 'as-without-session',
    check: textBody('writeHead with a flat array and two cookies'),
    marker: 'flat array and two cookies',
  },
  {
    name: '@Res send that returns undefined',
    path: '/commit/res/send-undefined',
    status: 200,
    check: textBody('sent, then returned undefined'),
    marker: 'returned undefined',
  },
  {
    name: 'stream: write ... end',
    path: '/commit/stream/write-end',
    status: 200,
    check: textBody('one,two,three'),
    marker: 'one,',
  },
  {
    name: 'stream: flushHeaders + SSE events',
    path: '/commit/stream/sse',
    status: 200,
    onHeaders: () => sseGate.resolve(),
    check: threeEvents,
    marker: 'data:',
  },
  {
    name: 'stream: SSE handler that returns res before the stream ends',
    path: '/commit/stream/sse-returns-early',
    status: 200,
    onHeaders: () => sseGate.resolve(),
    check: threeEvents,
    marker: 'data:',
  },
  {
    name: 'stream: 1 MiB piped Readable',
    path: '/commit/stream/pipe',
    status: 200,
    check: res => {
      expect(res.body.length).to.equal(PAYLOAD.length);
      expect(res.body.equals(PAYLOAD), 'the piped bytes arrive intact and in order').to.equal(true);
    },
  },
  {
    name: 'stream: returned Readable',
    path: '/commit/stream/readable',
    status: 200,
    check: textBody('alpha,beta,gamma'),
    marker: 'alpha',
  },
  {
    name: 'thrown HttpError (400)',
    path: '/commit/error/http',
    status: 400,
    check: res => {
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(JSON.parse(res.text)).to.include({ name: 'BadRequestError', message: 'form rejected' });
    },
    marker: 'form rejected',
  },
];

// ---- Shared assertions ----

/** The id in the response's session cookie, from the headers alone (usable in `onHeaders`). */
function sessionIdFromHeaders(message: IncomingMessage): string | undefined {
  const line = (message.headers['set-cookie'] ?? []).find(cookie => cookie.startsWith('session='));
  return line?.slice('session='.length).split(';')[0];
}

function expectSessionBackendError(res: RawResponse, method: string): void {
  expect(res.status).to.equal(503);
  expect(res.headers['content-type']).to.match(/^application\/json/);
  if (method !== 'HEAD') expect(JSON.parse(res.text)).to.include({ name: 'SessionBackendError' });
  expect(headerLines(res, 'set-cookie'), 'no Set-Cookie on a failed commit').to.deep.equal([]);
  expect(res.headers.location, 'no Location on a failed commit').to.equal(undefined);
}

// ---- The suite ----

describe('commit point: the session is committed before the status line goes out', () => {
  const unhandled: unknown[] = [];
  const record = (error: unknown) => unhandled.push(error);

  before(() => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });

  after(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  });

  beforeEach(() => {
    sseGate = deferred();
    producer = { sawFalse: false, drained: false, finished: deferred() };
    untouched = {};
  });

  afterEach(async function () {
    // Let anything the finished request left behind (a rejected promise, a late final handler) surface.
    for (let i = 0; i < 4; i++) await turn();
    if (unhandled.length > 0) {
      const errors = unhandled.splice(0).map(error => (error instanceof Error ? error.stack : String(error)));
      throw new Error(`unhandled rejection or exception during "${this.currentTest?.title}":\n${errors.join('\n')}`);
    }
  });

  for (const major of EXPRESS_MAJORS) {
    describe(`express ${major}`, () => {
      for (const shape of SHAPES) {
        const method = shape.method ?? 'GET';

        describe(shape.name, () => {
          it('answers with the status and body the handler meant, plus the session cookie', async () => {
            const { app } = setup(major);
            await withServer(app, async client => {
              const headers = (await shape.prepare?.(client)) ?? {};
              const res = await client.request({ method, path: shape.path, headers, onHeaders: shape.onHeaders });
              expect(res.status, res.text).to.equal(shape.status);
              if (shape.statusMessage !== undefined) expect(res.statusMessage).to.equal(shape.statusMessage);
              shape.check(res);
              if (shape.location !== undefined) expect(res.headers.location).to.equal(shape.location);

              const lines = headerLines(res, 'set-cookie');
              expect(setCookieLine(res, 'session'), `Set-Cookie lines: ${JSON.stringify(lines)}`).to.be.a('string');
              const appLines = lines.filter(line => !line.startsWith('session='));
              if (shape.appCookies === 'as-without-session') {
                const plain = await client.request({ method, path: `${shape.path}?session=no`, headers });
                const expected = headerLines(plain, 'set-cookie');
                expect(expected, 'the app sets cookies of its own').to.not.deep.equal([]);
                expect(appLines, 'the app cookies, exactly as Node sends them without a session').to.deep.equal(
                  expected,
                );
              } else {
                for (const name of shape.appCookies ?? []) {
                  expect(setCookieLine(res, name), `the app's "${name}" cookie in ${JSON.stringify(lines)}`).to.be.a(
                    'string',
                  );
                }
                // Each cookie on its own line: nothing joined, nothing lost, nothing doubled.
                expect(appLines).to.have.length(shape.appCookies?.length ?? 0);
              }
            });
          });

          it('has finished the backend write before the status line arrives', async () => {
            const { app, backend } = setup(major, 50);
            await withServer(app, async client => {
              const headers = (await shape.prepare?.(client)) ?? {};
              const writesBefore = backend.writesDone.length;
              let storedAtHeaders: Promise<SessionData | undefined> | undefined;
              const res = await client.request({
                method,
                path: shape.path,
                headers,
                onHeaders: message => {
                  shape.onHeaders?.();
                  const id = sessionIdFromHeaders(message);
                  // InMemoryBackend.read looks the record up synchronously: this is the store as the status line arrives.
                  if (id !== undefined) storedAtHeaders = backend.memory.read(id);
                },
              });
              expect(res.status, res.text).to.equal(shape.status);
              const writes = backend.writesDone.slice(writesBefore);
              expect(writes, 'exactly one write for the request').to.have.length(1);
              expect(writes[0], 'write finished (sequence) before the status line arrived (sequence)').to.be.below(
                res.headersAt,
              );
              expect(storedAtHeaders, 'the response carries the session cookie').to.not.equal(undefined);
              expect(await storedAtHeaders, 'the record is in the store when the status line arrives').to.include({
                shape: `${method} ${shape.path}`,
              });
            });
          });

          it('answers a failed write with a 503 JSON error, no Set-Cookie and not its own answer', async () => {
            const { app, backend } = setup(major);
            await withServer(app, async client => {
              const headers = (await shape.prepare?.(client)) ?? {};
              backend.failing.add('write');
              const writesBefore = backend.count('write');
              const res = await client.request({ method, path: shape.path, headers, onHeaders: shape.onHeaders });
              expectSessionBackendError(res, method);
              expect(backend.count('write') - writesBefore, 'the write was attempted').to.equal(1);
              if (shape.marker !== undefined) expect(res.text).to.not.include(shape.marker);
            });
          });

          if (shape.location !== undefined) {
            it('carries the session to the redirect target', async () => {
              const { app } = setup(major);
              await withServer(app, async client => {
                const redirected = await client.request({ path: shape.path });
                expect(redirected.status).to.equal(shape.status);
                const target = await client.request({
                  path: redirected.headers.location as string,
                  headers: { Cookie: cookieFrom(redirected) },
                });
                expect(target.status).to.equal(200);
                expect(JSON.parse(target.text)).to.deep.equal({ shape: `GET ${shape.path}` });
              });
            });
          }
        });
      }

      describe('thrown plain Error (500)', () => {
        it('answers 500 and commits nothing: no write, no Set-Cookie', async () => {
          const { app, backend } = setup(major);
          await withServer(app, async client => {
            const res = await client.request({ path: '/commit/error/plain' });
            expect(res.status).to.equal(500);
            expect(JSON.parse(res.text)).to.include({ message: 'boom' });
            expect(headerLines(res, 'set-cookie')).to.deep.equal([]);
            expect(backend.count('write')).to.equal(0);
            expect(backend.memory.size).to.equal(0);
          });
        });

        it('leaves an existing session as it was', async () => {
          const { app, backend } = setup(major);
          await withServer(app, async client => {
            const first = await client.request({ path: '/commit/json/async' });
            const id = setCookieValue(first, 'session') as string;
            const res = await client.request({ path: '/commit/error/plain', headers: { Cookie: cookieFrom(first) } });
            expect(res.status).to.equal(500);
            expect(headerLines(res, 'set-cookie')).to.deep.equal([]);
            expect(backend.count('write')).to.equal(1);
            expect(await backend.memory.read(id)).to.include({ shape: 'GET /commit/json/async' });
          });
        });
      });

      describe('@Res send that returns undefined', () => {
        it('raises no unhandled rejection', async () => {
          const { app } = setup(major);
          const seen: unknown[] = [];
          const listener = (reason: unknown) => seen.push(reason);
          process.on('unhandledRejection', listener);
          try {
            await withServer(app, async client => {
              const res = await client.request({ path: '/commit/res/send-undefined' });
              expect(res.status).to.equal(200);
              for (let i = 0; i < 4; i++) await turn();
            });
          } finally {
            process.off('unhandledRejection', listener);
          }
          expect(seen.map(String)).to.deep.equal([]);
        });
      });

      describe('keep-alive', () => {
        it('reuses one socket across sequential requests, including ones whose handler throws', async () => {
          // ErrorShapes last, so `GET /commit/error/plain` is the app's last route: express reaches its final handler
          // through setImmediate there (synchronously after other routes), after the error response went out.
          const { app, backend } = setup(major, 0, [JsonShapes, ResShapes, ErrorShapes]);
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          try {
            await withServer(app, async client => {
              // [path, expected status, whether the backend's write fails]
              const steps: Array<[string, number, boolean?]> = [
                ['/commit/json/async', 200],
                ['/commit/error/plain', 500],
                ['/commit/error/http', 400],
                ['/commit/res/send', 201],
                ['/commit/res/send', 503, true],
                // A success released at once; then routing-controllers' 404 and next(err) reach the final handler.
                ['/commit/res/send-undefined?late', 200],
                ['/commit/error/plain', 500],
                ['/commit/json/async', 200],
              ];
              const results: RawResponse[] = [];
              for (const [path, status, failWrite] of steps) {
                if (failWrite) backend.failing.add('write');
                else backend.failing.delete('write');
                const res = await client.request({ path }, agent);
                expect(res.status, `${path}: ${res.text}`).to.equal(status);
                results.push(res);
              }
              expect(
                results.slice(1).map(res => res.reusedSocket),
                'each later request reused the socket',
              ).to.deep.equal(steps.slice(1).map(() => true));
              expect(client.connections, 'TCP connections accepted').to.equal(1);
            });
          } finally {
            agent.destroy();
          }
        });
      });

      describe('write() past the highWaterMark during a hold', () => {
        it("returns false, then emits 'drain', so a waiting producer finishes", async () => {
          const { app, backend } = setup(major, 50);
          await withServer(app, async client => {
            const res = await client.request({ path: '/commit/stream/drain' });
            await producer.finished.promise;
            expect(producer.sawFalse, 'write() returned false while held').to.equal(true);
            expect(producer.drained, "'drain' was emitted").to.equal(true);
            expect(res.status).to.equal(200);
            expect(res.text).to.match(/^x+end$/);
            expect(backend.writesDone[0]).to.be.below(res.headersAt);
          });
        });

        it("emits 'drain' after a failed commit too, so a waiting producer finishes", async () => {
          const { app, backend } = setup(major);
          backend.failing.add('write');
          await withServer(app, async client => {
            const res = await client.request({ path: '/commit/stream/drain' });
            expectSessionBackendError(res, 'GET');
            await producer.finished.promise;
            expect(producer.sawFalse, 'write() returned false while held').to.equal(true);
            expect(producer.drained, "'drain' was emitted").to.equal(true);
          });
        });
      });

      describe('a request that never loads the session', () => {
        it('gets no hold: its response goes out untouched and the backend sees no call', async () => {
          const { app, backend } = setup(major);
          await withServer(app, async client => {
            const first = await client.request({ path: '/commit/json/async' });
            backend.calls.length = 0;
            const res = await client.request({
              path: '/commit/plain/untouched',
              headers: { Cookie: cookieFrom(first) },
            });
            expect(res.status).to.equal(200);
            expect(JSON.parse(res.text)).to.deep.equal({ shape: 'untouched' });
            expect(headerLines(res, 'set-cookie')).to.deep.equal([]);
            expect(backend.calls, 'backend calls').to.deep.equal([]);
            expect(untouched.headersSentAfterSend, 'headers were on the wire as soon as the handler sent').to.equal(
              true,
            );
            expect(untouched.ownWrappers, 'response methods wrapped by a hold').to.deep.equal([]);
          });
        });
      });
    });
  }
});
