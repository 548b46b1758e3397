/**
 * What both forms of the middleware do for a request: give it its session, load it where `autoload` says, and
 * answer their own errors as JSON (see `internal/error-response`).
 */
import type { NextFunction, Request, Response } from 'express';
import { SessionError } from '../errors';
import type { SessionConfig } from '../session/config';
import { sessionStateOf } from '../session/proxy';
import { SessionState } from '../session/state';
import { answerError } from '../session/answer-error';

/**
 * `owner` names the middleware in errors: its class, or `sessionMiddleware()`. Its `name` is read only then: a class's
 * `name` costs about 40 ns a read, more than the rest of a request that never loads its session.
 */
export function startSession(
  config: SessionConfig,
  req: Request,
  res: Response,
  next: NextFunction,
  owner: { readonly name: string },
): void {
  // Untyped: `req.session` may be typed as express-session's (see `SessionTypeOptions`).
  const carrier = req as { session?: unknown };
  const current = carrier.session;
  if (current !== undefined) {
    const existing = sessionStateOf(current);
    // Applied twice to one request (globally and on a controller): the first one acts.
    if (existing?.config === config) return next();
    return answerError(config, req, res, existing === undefined ? foreignSession(owner.name) : conflict(owner.name));
  }
  const state = new SessionState(config, req, res);
  carrier.session = state.session;
  if (config.autoload(req))
    state.load().then(
      () => next(),
      error => answerError(config, req, res, error),
    );
  else next();
}

export function notConfigured(name: string): SessionError {
  return new SessionError(
    'NOT_CONFIGURED',
    `Sessions are not configured for ${name}: call configureSessions() or ${name}.configure() at start-up`,
  );
}

function conflict(name: string): SessionError {
  // One response can carry one held commit: a second configuration on the same request would be lost.
  return new SessionError(
    'MIDDLEWARE_CONFLICT',
    `Two session configurations apply to one request (${name} after another): give each area its own routes`,
  );
}

function foreignSession(name: string): SessionError {
  return new SessionError(
    'MIDDLEWARE_CONFLICT',
    `req.session was already set by another middleware (express-session or cookie-session?) when ${name} ran: ` +
      'use one of the two on these routes; to keep an express-session store, wrap it in ExpressSessionStoreBackend',
  );
}
