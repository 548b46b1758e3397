/**
 * `skipLibCheck: false` with @types/express-session: the `SessionTypeOptions` switch hands `req.session` back to
 * express-session's type, so the program compiles without TS2430; this library's session comes from its decorators.
 */
import 'express-session';
import type { Request } from 'express';
import type { Session } from '../../../src';

declare module '../../../src/session/request-augmentation' {
  interface SessionTypeOptions {
    requestSession: 'express-session';
  }
}

export function expressSessionsType(req: Request): void {
  req.session.resetMaxAge();
  // @ts-expect-error: this library's member is no longer on req.session
  void req.session.load;
}

export async function ownSession(session: Session): Promise<void> {
  await session.load();
}
