/** `@LockSession()`: the requests of one session to these actions run one after another. */
import type { NextFunction, Request, Response } from 'express';
import { UseBefore } from 'routing-controllers';
import { answerError } from '../session/answer-error';
import { sessionStateOf } from '../session/proxy';
import { SessionError } from '../errors';

/**
 * Loads the session with its lock (`req.session.load({ lock: true })`) before the action runs, on an action or on
 * every action of a controller (there, above `@UseBefore(SessionMiddleware)`: the decorator nearest the class runs
 * first). Parallel requests of one session then run one after another, each seeing what the one before it stored,
 * so `n = n + 1` counts every request. Under `autoload`, the session is read once more, under
 * the lock. A lock not had within `lockTimeout` answers 503 (`SessionLockTimeoutError`), as JSON.
 *
 * @example
 * @Post('/vote') @LockSession() async vote(@Req() req: Request) { req.session.votes = (req.session.votes ?? 0) + 1; }
 */
export function LockSession(): (target: object, propertyKey?: string | symbol) => void {
  return UseBefore(lockBeforeAction) as (target: object, propertyKey?: string | symbol) => void;
}

function lockBeforeAction(req: Request, res: Response, next: NextFunction): void {
  const session = (req as { session?: unknown }).session;
  const state = sessionStateOf(session);
  if (state === undefined) return answerError(undefined, req, res, missingBeforeLock());
  state.load({ lock: true }).then(
    () => next(),
    error => answerError(state.config, req, res, error),
  );
}

function missingBeforeLock(): SessionError {
  return new SessionError(
    'MIDDLEWARE_MISSING',
    'req.session is missing when @LockSession() runs: apply @UseBefore(SessionMiddleware) to the controller, and ' +
      'on a controller write @LockSession() above it (the decorator nearest the class runs first)',
  );
}
