import type { Request } from 'express';
import { SessionError } from '../errors';
import type { Session } from '../session/types';

/**
 * The request's session, loaded; a clear error when `SessionMiddleware` did not run for this route. Read untyped:
 * `req.session` may be typed as express-session's (see `SessionTypeOptions`).
 */
export async function loadedSession(request: Request): Promise<Session> {
  const session = (request as { session?: unknown }).session as Session | undefined;
  if (session === undefined) {
    throw new SessionError(
      'MIDDLEWARE_MISSING',
      'req.session is missing: apply @UseBefore(SessionMiddleware) to this controller or action',
    );
  }
  await session.load();
  return session;
}
