/** Runs the backend conformance suite for EncryptedCookieBackend, with and without a schema. */
import { EncryptedCookieBackend } from '../../src';
import { SECRET } from '../support/app';
import { ConformanceSession, describeBackendConformance } from './backend-conformance';

const capabilities = {
  revocable: false,
  serverSideIds: false,
  // The seal's age is bounded by maxAge (or ctx.lifetime), not by ctx.ttl; the middleware ends the session from the
  // expiry kept in the sealed data.
  honoursTtl: false,
};

describeBackendConformance(
  'EncryptedCookieBackend',
  () => new EncryptedCookieBackend({ secretKey: SECRET }),
  capabilities,
);

describeBackendConformance(
  'EncryptedCookieBackend with a schema',
  () => new EncryptedCookieBackend({ secretKey: SECRET }),
  capabilities,
  {
    sessionOptions: { schema: ConformanceSession, validation: { beforeSave: true } },
  },
);
