/** `sessionMiddleware()`: the same sessions for express apps without routing-controllers. */
import type { RequestHandler } from 'express';
import { Container } from 'typedi';
import type { SessionOptions } from '../options/session-options';
import type { SessionContainer } from '../options/registry';
import { resolveConfig } from './resolve-config';
import { startSession } from './start-session';

/** How errors name this form of the middleware. */
const OWNER = { name: 'sessionMiddleware()' };

/**
 * A plain express middleware with the options, `req.session`, backends and commit rules of `SessionMiddleware`.
 * Backend classes are resolved from `container` (typedi's global `Container` by default). Mount it before the
 * routes (and before `passport.session()`); every call builds a configuration of its own.
 *
 * @throws SessionError `INVALID_OPTION` naming the bad option (never echoing a secret).
 * @example
 * const app = express();
 * app.use(sessionMiddleware({ secretKey: process.env.SESSION_SECRET!, autoload: true }));
 * app.post('/visits', (req, res) => { req.session.visits = Number(req.session.visits ?? 0) + 1; res.json({}); });
 */
export function sessionMiddleware(options: SessionOptions, container: SessionContainer = Container): RequestHandler {
  const config = resolveConfig(options, container);
  return (req, res, next) => startSession(config, req, res, next, OWNER);
}
