/**
 * routing-controllers-sessions: pluggable, lazily loaded sessions for routing-controllers on express.
 */
import './session/request-augmentation';

// Wiring
export { configureSessions } from './middleware/configure';
export { SessionMiddleware } from './middleware/session-middleware';
export { sessionMiddleware } from './middleware/express';
export { SessionRegistry, SessionSettings } from './options/registry';
export type { SessionContainer } from './options/registry';
export { DEFAULT_LIFETIME, BROWSER_SESSION_LIFETIME } from './options/session-options';
export type { SessionOptions, BackendOption } from './options/session-options';
export type { SessionHeaderOptions } from './options/header-option';
export type { SessionCookieOptions } from './options/cookie-options';
export type { SessionConfig, RevocationCheck } from './session/config';

// The session
export type {
  FlashKey,
  FlashMessage,
  FlashMessages,
  LoadOptions,
  RegenerateOptions,
  Session,
  SessionCallback,
  SessionFields,
  SessionMembers,
  SessionMeta,
} from './session/types';
export type { SessionTypeOptions, RequestSession } from './session/request-augmentation';
export { responseStarted } from './http/response-hold';

// Events and tracing
export { BACKEND_TRACING_CHANNEL, SESSION_EVENTS_CHANNEL } from './events/channels';
export type { BackendCallContext } from './events/channels';
export type { SessionEvent, SessionEventListener, SessionEventType } from './events/session-event';

// Decorators
export { SessionParam } from './decorators/session-param';
export type { SessionParamOptions, SessionKey } from './decorators/session-param';
export { CurrentSession } from './decorators/current-session';
export { Flash } from './decorators/flash';
export { LockSession } from './decorators/lock-session';

// Typed sessions
export type { SessionValidationOptions, InvalidSessionPolicy } from './schema/session-schema';

// Backends: the contract and the stored record
export {
  SessionBackend,
  createUnderFreeId,
  isMarkedForRewrite,
  markForRewrite,
  ttlOf,
  writeNothing,
} from './backends/backend';
export type { BackendContext, SessionChanges } from './backends/backend';
export { FLASH_KEY, METADATA_KEY } from './record';
export type { FlashMessageLists, SessionRecord, RecordMetadata, SessionData, SessionMetadata } from './record';

// Backends: the built-in ones
export { InMemoryBackend } from './backends/memory';
export type { InMemoryBackendOptions } from './backends/memory';
export { CookieBackend } from './backends/cookie/signed';
export type { CookieBackendOptions } from './backends/cookie/signed';
export { EncryptedCookieBackend } from './backends/cookie/encrypted';
export type { EncryptedCookieBackendOptions } from './backends/cookie/encrypted';
export { hasUserSessions } from './backends/user-sessions';
export type { UserIndexOptions, UserSessionInfo, UserSessions } from './backends/user-sessions';
export { hasSessionLocking, newLockToken, pollForLock } from './backends/session-lock';
export type { SessionLockRequest, SessionLocking } from './backends/session-lock';
export type { EncryptAtRestOptions } from './backends/at-rest';
export { RedisBackend } from './backends/redis/redis-backend';
export type { RedisBackendOptions } from './backends/redis/redis-backend';
export { RedisUnavailableError } from './backends/redis/redis-unavailable';
export type { RedisUnavailableReason } from './backends/redis/redis-unavailable';
export type {
  RedisClientLike,
  RedisClientKind,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  IoRedisLike,
} from './backends/redis/redis-clients';
export { PostgresBackend } from './backends/postgres/postgres-backend';
export type { PostgresBackendOptions, PostgresQueryable } from './backends/postgres/postgres-backend';
export { postgresSessionSchema } from './backends/postgres/schema';
export { SqliteBackend } from './backends/sqlite/sqlite-backend';
export type { SqliteBackendOptions, SqliteDatabase } from './backends/sqlite/options';
export { sqliteSessionSchema } from './backends/sqlite/schema';
export { ExpressSessionStoreBackend } from './backends/express-store';
export type { ExpressSessionStore, ExpressSessionCallback } from './backends/express-store';

// Errors
export {
  SessionError,
  SessionNotLoadedError,
  SessionNotLoaded,
  SessionBackendError,
  SessionValidationError,
  SessionLockTimeoutError,
} from './errors';
export type { SessionErrorCode, BackendOperation, SessionValidationIssue } from './errors';
