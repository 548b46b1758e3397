/**
 * The JSON answer to a session error, in routing-controllers' error shape (`name`, `message`, and `code` / `errors`
 * where the error has them). The library answers its own errors: routing-controllers formats errors of a middleware
 * as text, and express's final handler as an HTML page with a stack trace.
 */
import type { ServerResponse } from 'node:http';
import { SessionBackendError, SessionError, SessionLockTimeoutError, SessionValidationError } from '../errors';

/** The status, headers and JSON text that answer `error`: never a stack, a generic message for foreign errors. */
export function errorResponse(error: unknown): { status: number; headers: Array<[string, string]>; body: string } {
  const status = statusOf(error);
  const own =
    error instanceof SessionError ||
    error instanceof SessionBackendError ||
    error instanceof SessionValidationError ||
    error instanceof SessionLockTimeoutError;
  const fields: Record<string, unknown> = {
    name: error instanceof Error ? error.name : 'Error',
    // Only this library's errors have messages written for clients.
    message: own ? (error as Error).message : status === 503 ? 'Service unavailable' : 'Internal server error',
  };
  if (own) {
    const { code, errors } = error as { code?: unknown; errors?: unknown };
    if (code !== undefined) fields.code = code;
    // The issues of data about to be saved (a 500) are for the logs: a validator message may quote a value.
    if (errors !== undefined && status < 500) fields.errors = errors;
  }
  const body = JSON.stringify(fields);
  const headers: Array<[string, string]> = [
    ['Content-Type', 'application/json; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
  ];
  return { status, headers, body };
}

/** Answers `error` on a response that has not started; headers set by earlier middlewares (helmet's) stay. */
export function sendErrorResponse(res: ServerResponse, error: unknown): void {
  const { status, headers, body } = errorResponse(error);
  res.statusCode = status;
  for (const [name, value] of headers) res.setHeader(name, value);
  res.end(body);
}

function statusOf(error: unknown): number {
  const status = (error as { httpCode?: unknown } | null)?.httpCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
