/** The errors of session calls that come too late: after the response started, the commit has already run. */
import { SessionError } from '../errors';

export function changedTooLate(member: string): SessionError {
  return new SessionError(
    'SAVED_TOO_LATE',
    `${member}() was called after the response started, when the session had already been committed: call it before responding`,
  );
}

export function loadedTooLate(): SessionError {
  return new SessionError(
    'LOADED_TOO_LATE',
    'The session was loaded after the response started, so its changes could not be saved: load it before responding',
  );
}

export function lockedTooLate(): SessionError {
  return new SessionError(
    'LOCKED_TOO_LATE',
    'load({ lock: true }) came after the session was changed, whose changes the read under the lock would drop: ' +
      'lock before changing it (load({ lock: true }) first, or @LockSession() on the action)',
  );
}

/** A member called with an argument it cannot take. */
export function invalidArgument(member: string, message: string): SessionError {
  return new SessionError('INVALID_ARGUMENT', `req.session.${member}(): ${message}`);
}

/** A rejected call that does not crash the process when its caller does not wait for it. */
export function refused(error: SessionError): Promise<void> {
  const rejected = Promise.reject(error);
  rejected.catch(ignore);
  return rejected;
}

/** Swallows a rejection that is reported elsewhere. */
export function ignore(): void {}
