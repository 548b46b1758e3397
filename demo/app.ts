/**
 * The demo app: a shop with a login, a cart and a visit counter, on the default backend (a signed cookie), so it
 * needs nothing installed, or on the `backend` given (main.ts passes a RedisBackend when REDIS_URL is set).
 * `npm start` serves it; spec/demo.spec.ts drives it over HTTP.
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

export function createDemoApp(
  secretKey = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64'),
  backend?: SessionBackend,
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
  return useExpressServer(express(), {
    controllers: [PageController, AccountController, CartController],
  }) as Express;
}
