/**
 * Type tests, checked by `tsc --noEmit` (npm test): every `@ts-expect-error` line must fail to compile, or the
 * build fails. Nothing here runs.
 */
import type { Request } from 'express';
import { type Session, SessionParam } from '../../src';

class CartSession {
  userId?: number;
  items?: string[];
  loggedInAt?: Date;
  get itemCount(): number {
    return this.items?.length ?? 0;
  }
}

export function typedSession(session: Session<CartSession>): void {
  session.userId = 7;
  session.items = ['tea'];
  const count: number = session.itemCount;
  const id: string | undefined = session.id;
  void session.load();
  void count;
  void id;

  // @ts-expect-error: a key the schema does not declare
  session.userid = 7;
  // @ts-expect-error: the wrong type for a declared key
  session.userId = 'seven';
  // @ts-expect-error: a getter without a setter is read-only
  session.itemCount = 3;
  // @ts-expect-error: members are read-only
  session.isLoaded = true;
  // @ts-expect-error: reading an undeclared key
  void session.role;
}

export function untypedSession(req: Request): void {
  // Without declared fields, any key is allowed, as unknown.
  req.session.anything = { nested: true };
  const value: unknown = req.session.anything;
  void value;
  // @ts-expect-error: unknown is not a number without a check
  const count: number = req.session.count;
  void count;
}

export class ParamTypes {
  method(
    @SessionParam<CartSession>('userId') userId: number,
    // @ts-expect-error: not a key of CartSession
    @SessionParam<CartSession>('userid') misspelt: number,
    @SessionParam('whatever') untyped: unknown,
  ): void {
    void userId;
    void misspelt;
    void untyped;
  }
}
