/**
 * routing-controllers-sessions: pluggable, lazily loaded sessions for routing-controllers on express.
 */
import './session/request-augmentation';

// Wiring
export { configureSessions } from './middleware/configure';
export { SessionSettings } from './options/registry';
export type { SessionContainer } from './options/registry';
export { SessionMiddleware } from './middleware/session-middleware';
export { sessionMiddleware } from './middleware/express';
export { DEFAULT_LIFETIME, BROWSER_SESSION_LIFETIME } from './options/resolve-options';
export type { SessionOptions, SessionCookieOptions, SessionConfig, BackendOption } from './options/resolve-options';

// The session
export type { RegenerateOptions, Session, SessionCallback, SessionFields, SessionMembers, SessionMeta } from './session/types';
export type { SessionRecord, RecordMetadata, SessionData, SessionMetadata } from './record';
export type { SessionTypeOptions, RequestSession } from './session/request-augmentation';
export { responseStarted } from './http/response-hold';

// Decorators
export { SessionParam } from './decorators/session-param';
export type { SessionParamOptions, SessionKey } from './decorators/session-param';
export { CurrentSession } from './decorators/current-session';

// Typed sessions
export type { SessionValidationOptions, InvalidSessionPolicy } from './schema/session-schema';

// Backends
export { SessionBackend, createUnderFreeId } from './backends/backend';
export type { BackendContext, SessionChanges } from './backends/backend';
export { InMemoryBackend } from './backends/memory';
export type { InMemoryBackendOptions } from './backends/memory';
export { CookieBackend } from './backends/cookie/signed';
export type { CookieBackendOptions } from './backends/cookie/signed';
export { RedisBackend } from './backends/redis/redis-backend';
export type { RedisBackendOptions, UserSessionInfo } from './backends/redis/redis-backend';
export { RedisUnavailableError } from './backends/redis/redis-unavailable';
export type { RedisUnavailableReason } from './backends/redis/redis-unavailable';
export type { RedisClientLike, RedisClientKind, NodeRedisClientLike, NodeRedisClusterLike, IoRedisLike } from './backends/redis/redis-clients';
export { ExpressSessionStoreBackend } from './backends/express-store';
export type { ExpressSessionStore, ExpressSessionCallback } from './backends/express-store';
export { EncryptedCookieBackend } from './backends/cookie/encrypted';
export type { EncryptedCookieBackendOptions } from './backends/cookie/encrypted';

// Errors
export { SessionError, SessionNotLoaded, SessionBackendError, SessionValidationError } from './errors';
export type { SessionErrorCode, BackendOperation, SessionValidationIssue } from './errors';
