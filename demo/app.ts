/**
 * The demo app: a shop with a login, a cart and a visit counter, on the default backend (a signed cookie), so it
 * needs nothing installed, or on the `backend` given (main.ts passes a RedisBackend when REDIS_URL is set).
 * `npm start` serves it; spec/demo/ drives it over HTTP and in a browser.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import express, { type Express } from 'express';
import { useContainer, useExpressServer } from 'routing-controllers';
import { Container } from 'typedi';
import { configureSessions, type SessionBackend } from '../src';
import { AccountController } from './controllers/account.controller';
import { CartController } from './controllers/cart.controller';
import { PageController } from './controllers/page.controller';
import { DemoSession } from './session';

/** Where the demo keeps its sessions, as the page tells it. */
export interface DemoBackend {
  /** A server-side backend; none: the default signed cookie. */
  readonly backend?: SessionBackend;
  /** What the page says the sessions live in, e.g. "Redis". */
  readonly label?: string;
}

export function createDemoApp(
  secretKey = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64'),
  { backend, label = 'a signed cookie' }: DemoBackend = {},
): Express {
  useContainer(Container);
  configureSessions({
    secretKey,
    ...(backend === undefined ? {} : { backend }),
    autoload: ['/api'],
    // Typed sessions: data is a DemoSession when it loads, and is checked before it is saved.
    schema: DemoSession,
    validation: { beforeSave: true },
    // 'auto': Secure over HTTPS only, so the demo also works on http://localhost in every browser.
    cookie: { secure: 'auto' },
  });
  const app = express();
  // What the page says the sessions live in (read by AccountController).
  app.locals.sessionStore = label;
  return useExpressServer(app, { controllers: [PageController, AccountController, CartController] }) as Express;
}
