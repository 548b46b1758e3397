/** Loaded by mocha before every spec (see .mocharc.json). */
import 'reflect-metadata';
import { useContainer } from 'routing-controllers';
import { Container } from 'typedi';

useContainer(Container);

// Express's final handler prints every error it is handed unless it runs in the test environment.
process.env.NODE_ENV = 'test';
