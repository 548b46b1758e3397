/**
 * Types `req.session` on express requests.
 *
 * Declared on `express-serve-static-core`'s `Request` (what `express.Request`, `RequestHandler` and `@Req()` give),
 * not on the global `Express.Request`, where `@types/express-session` declares `session` too: two declarations of
 * one property there clash (TS2717), and under `skipLibCheck` whichever file the compiler reads first silently wins.
 * A property of the sub-interface overrides the inherited one instead, whatever else is installed.
 */
import type { Session } from './types';

/**
 * Switches for how `req.session` is typed; augment to change them. With `@types/express-session` installed and
 * `skipLibCheck: false`, TypeScript reports the override once (TS2430 in `@types/express-serve-static-core`);
 * `requestSession: 'express-session'` hands `req.session` back to express-session's type, and this library's session
 * is then reached through `@CurrentSession()`.
 *
 * @example
 * export {};
 * declare module 'routing-controllers-sessions' {
 *   interface SessionTypeOptions { requestSession: 'express-session' }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: apps augment it
export interface SessionTypeOptions {}

/** The type `@types/express-session` gives `req.session`, or this library's when it is not installed. */
type ExpressSessionType = Express.Request extends { session: infer S } ? S : Session;

/** What `req.session` is typed as: this library's {@link Session}, unless {@link SessionTypeOptions} says otherwise. */
export type RequestSession = SessionTypeOptions extends { requestSession: 'express-session' }
  ? ExpressSessionType
  : Session;

declare module 'express-serve-static-core' {
  interface Request {
    /** The session, present on every request that went through `SessionMiddleware`. */
    session: RequestSession;
  }
}
