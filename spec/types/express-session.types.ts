/**
 * With @types/express-session in the same program (imported here, and by the compat specs), `req.session` is still
 * this library's session, in whatever order the declarations are read.
 */
import 'express-session';
import type { Request, RequestHandler } from 'express';

export async function withExpressSessionTypes(req: Request): Promise<void> {
  await req.session.load();
  await req.session.save();
  req.session.regenerate(error => void error);
  // @ts-expect-error: express-session's member, which this library's session does not have
  req.session.resetMaxAge();
}

export const handler: RequestHandler = (req, _res, next) => void req.session.touch().then(() => next(), next);
