/** Structured JSON logs (pino) for every service; never log PHI, only ids. */
import pino from 'pino';
import { config } from './config';

export const rootLogger = pino({ level: config.logLevel, base: undefined });
export const logger = (service: string) => rootLogger.child({ service });
export type Logger = pino.Logger;
