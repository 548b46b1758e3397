/** Types `req.session` on express requests. */
import type { Session } from './session-data';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The session, present on every request that went through `SessionMiddleware`. */
      session: Session;
    }
  }
}

export {};
