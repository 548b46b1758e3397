/** Builds a real routing-controllers app on express 4 or 5 for a spec. */
import express5 from 'express';
import type { Express } from 'express';
import { createExpressServer, useExpressServer, type RoutingControllersOptions } from 'routing-controllers';
import { configureSessions, type SessionOptions } from '../../src';

/** A 32+ character secret for specs only. */
export const SECRET = 'spec-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** Which express major serves the app: 5 is this package's dev dependency, 4 is routing-controllers' own. */
export type ExpressMajor = 4 | 5;

export interface AppOptions extends Omit<RoutingControllersOptions, 'controllers'> {
  express?: ExpressMajor;
}

/** A controller class, as routing-controllers takes them. */
export type ControllerClass = abstract new (...args: never[]) => object;

/** Configures sessions with `sessionOptions` and serves `controllers` with routing-controllers. */
export function createApp(
  controllers: ControllerClass[],
  sessionOptions: SessionOptions = {},
  options: AppOptions = {},
): Express {
  configureSessions({ secretKey: SECRET, ...sessionOptions });
  const { express: major = 5, ...routing } = options;
  // An empty list would make routing-controllers install every @Middleware class it knows of, globally.
  const settings: RoutingControllersOptions = {
    controllers,
    middlewares: [NoGlobals],
    interceptors: [NoGlobals],
    ...routing,
  };
  // routing-controllers requires its own express (4.x) for createExpressServer.
  return major === 4 ? (createExpressServer(settings) as Express) : (useExpressServer(express5(), settings) as Express);
}

/** Not a middleware: stands in the lists so that only the classes a spec names are installed. */
class NoGlobals {}

/** Both express majors, for specs that must hold on each. */
export const EXPRESS_MAJORS: readonly ExpressMajor[] = [5, 4];
