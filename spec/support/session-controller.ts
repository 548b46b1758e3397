/**
 * One controller that covers what most session specs need: each route does one thing to the session.
 * Served under `/s` by `sessionApp()`.
 */
import type { Request } from 'express';
import { Get, HttpError, JsonController, Post, Req, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { SessionMiddleware, type SessionOptions } from '../../src';
import { createApp, type AppOptions } from './app';

@JsonController('/s')
@UseBefore(SessionMiddleware)
@Service()
export class SessionController {
  /** Never touches the session. */
  @Get('/untouched')
  untouched() {
    return { ok: true };
  }

  /** Loads and returns the data without changing it. */
  @Get('/read')
  async read(@Req() req: Request) {
    await req.session.load();
    return { data: { ...req.session }, id: req.session.id ?? null };
  }

  /** Loads the session and returns `req.session.meta`; with `?before=load`, what it is before loading. */
  @Get('/meta')
  async meta(@Req() req: Request) {
    if (req.query.before === 'load') return { meta: req.session.meta ?? null };
    await req.session.load();
    return req.session.meta;
  }

  /** Sets `?key=value` (value parsed as JSON when possible). */
  @Post('/set')
  async set(@Req() req: Request) {
    await req.session.load();
    for (const [key, value] of Object.entries(req.query)) req.session[key] = parse(String(value));
    return { id: req.session.id ?? null };
  }

  /** Deletes the key named by `?key=`. */
  @Post('/unset')
  async unset(@Req() req: Request) {
    await req.session.load();
    delete req.session[String(req.query.key)];
    return {};
  }

  @Post('/increment')
  async increment(@Req() req: Request) {
    return countVisit(req);
  }

  /** Changes a nested object in place. */
  @Post('/push')
  async push(@Req() req: Request) {
    await req.session.load();
    const cart = (req.session.cart ??= { items: [] as string[] }) as { items: string[] };
    cart.items.push(String(req.query.item ?? 'x'));
    return cart;
  }

  @Post('/clear')
  async clear(@Req() req: Request) {
    await req.session.load();
    for (const key of Object.keys(req.session)) delete req.session[key];
    return {};
  }

  @Post('/destroy')
  async destroy(@Req() req: Request) {
    await req.session.destroy();
    return { id: req.session.id ?? null };
  }

  /** Destroys, then stores `count` again: a new session. */
  @Post('/destroy-then-write')
  async destroyThenWrite(@Req() req: Request) {
    await req.session.destroy();
    req.session.count = 1;
    return {};
  }

  @Post('/regenerate')
  async regenerate(@Req() req: Request) {
    const before = (await req.session.load(), req.session.id ?? null);
    const times = Number(req.query.times ?? 1);
    for (let i = 0; i < times; i++) await req.session.regenerate();
    if (req.query.then === 'destroy') await req.session.destroy();
    return { before, after: req.session.id ?? null };
  }

  /** Rotates the id, keeping the creation time; returns the meta after it. */
  @Post('/rotate')
  async rotate(@Req() req: Request) {
    await req.session.regenerate({ keepCreatedAt: true });
    return { meta: req.session.meta };
  }

  /** Changes the session, then fails with the status in `?status=`. */
  @Post('/fail')
  async fail(@Req() req: Request) {
    await req.session.load();
    req.session.failed = true;
    const status = Number(req.query.status ?? 500);
    if (status >= 500 && req.query.plain !== undefined) throw new Error('plain failure');
    throw new HttpError(status, 'failed on purpose');
  }
}

/** Loads the session and adds one to its `count`: the counter most specs need. */
export async function countVisit(req: Request): Promise<{ count: number }> {
  await req.session.load();
  const count = ((req.session.count as number | undefined) ?? 0) + 1;
  req.session.count = count;
  return { count };
}

/** Loads the session and returns its counter, unchanged (`null` before the first visit). */
export async function peekVisits(req: Request): Promise<{ count: unknown }> {
  await req.session.load();
  return { count: req.session.count ?? null };
}

function parse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** An app serving {@link SessionController} under `/s`. */
export function sessionApp(sessionOptions: SessionOptions = {}, options: AppOptions = {}) {
  return createApp([SessionController], sessionOptions, options);
}
