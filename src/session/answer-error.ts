/** How the library answers its own errors outside a handler (a middleware's, a decorator's): as JSON, told to `onError`. */
import type { Request, Response } from 'express';
import { sendErrorResponse } from '../http/error-response';
import type { SessionConfig } from './config';

/** Answers `error` as JSON and tells `onError`. */
export function answerError(config: SessionConfig | undefined, req: Request, res: Response, error: unknown): void {
  sendErrorResponse(res, error);
  try {
    config?.onError?.(error as Error, req);
  } catch {
    // The client has its answer; a failing callback must not take the process down.
  }
}
