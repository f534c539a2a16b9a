/** Subscription cursors: opaque strings for an event-log position. */
import { badInput } from '../../shared/errors';

export const encodeCursor = (position: string) => Buffer.from(`ev:${position}`).toString('base64url');

export function decodeCursor(cursor: string): string {
  const m = Buffer.from(cursor, 'base64url').toString().match(/^ev:(\d{1,19})$/);
  if (!m) throw badInput('The cursor is not one this hub issued', 'after');
  return m[1];
}
