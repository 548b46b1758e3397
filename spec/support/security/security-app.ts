/**
 * The app the security specs attack: real routing-controllers, real middleware, a cookie backend wrapped so that
 * specs see every value the middleware handed it and what it answered.
 */
import type { Request } from 'express';
import { Get, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import {
  type BackendContext,
  SessionBackend,
  type SessionData,
  SessionMiddleware,
  type SessionOptions,
} from '../../../src';
import { createApp } from '../app';
import { countVisit } from '../session-controller';
import { isPolluted, naiveMerge } from '../checks';

/** One `read()` the middleware made: the value it passed and what came back. */
export interface RecordedRead {
  value: string;
  result: SessionData | null | undefined;
}

/** Passes every call to a real backend and records the reads. */
export class RecordingBackend extends SessionBackend {
  override readonly revocable: boolean;
  readonly reads: RecordedRead[] = [];

  constructor(readonly inner: SessionBackend) {
    super();
    this.revocable = inner.revocable;
  }

  async read(value: string, ctx?: BackendContext) {
    const result = await this.inner.read(value, ctx);
    this.reads.push({ value, result });
    return result;
  }

  write(data: SessionData, sessionId?: string, ctx?: BackendContext) {
    return this.inner.write(data, sessionId, ctx);
  }

  remove(sessionId: string, ctx?: BackendContext) {
    return this.inner.remove(sessionId, ctx);
  }

  override exists(sessionId: string, ctx?: BackendContext) {
    return this.inner.exists(sessionId, ctx);
  }
}

@JsonController('/sec')
@UseBefore(SessionMiddleware)
@Service()
export class SecurityController {
  @Get('/count')
  async count(@Req() req: Request) {
    return countVisit(req);
  }

  @Get('/peek')
  async peek(@Req() req: Request) {
    await req.session.load();
    return { count: req.session.count ?? null, keys: Object.keys(req.session) };
  }

  /** Deep-merges the session into a fresh object, as careless code would. */
  @Get('/merge')
  async merge(@Req() req: Request) {
    await req.session.load();
    naiveMerge({}, req.session);
    return { keys: Object.keys(req.session), polluted: isPolluted() };
  }

  /** What the members of a loaded session are, whatever the data's keys are called. */
  @Get('/members')
  async members(@Req() req: Request) {
    await req.session.load();
    const session = req.session as unknown as Record<string, unknown>;
    // A thenable session would be unwrapped here; a plain object comes back as itself.
    const awaited = await Promise.resolve(req.session);
    return {
      keys: Object.keys(req.session),
      id: req.session.id ?? null,
      isLoaded: req.session.isLoaded,
      types: Object.fromEntries(['load', 'regenerate', 'destroy', 'then'].map(name => [name, typeof session[name]])),
      awaitedItself: awaited === req.session,
      keep: session.keep ?? null,
    };
  }

  @Post('/regenerate')
  async regenerate(@Req() req: Request) {
    await req.session.load();
    const before = req.session.id ?? null;
    await req.session.regenerate();
    return { changed: req.session.id !== before, keep: req.session.keep ?? null };
  }

  @Post('/destroy')
  async destroy(@Req() req: Request) {
    await req.session.destroy();
    return { id: req.session.id ?? null };
  }
}

/** Serves {@link SecurityController} with `backend` recorded. */
export function securityApp(
  backend: SessionBackend,
  options: SessionOptions = {},
): { app: ReturnType<typeof createApp>; recording: RecordingBackend } {
  const recording = new RecordingBackend(backend);
  return { app: createApp([SecurityController], { ...options, backend: recording }), recording };
}

/** undefined, null and {} all mean "no session" in the backend contract. */
export function isNoSession(result: unknown): boolean {
  return (
    result === undefined ||
    result === null ||
    (typeof result === 'object' && Object.keys(result as object).length === 0)
  );
}
