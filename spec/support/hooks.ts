/** Loaded by mocha before every spec (see .mocharc.json). */
import 'reflect-metadata';
import { useContainer } from 'routing-controllers';
import { Container } from 'typedi';

useContainer(Container);
