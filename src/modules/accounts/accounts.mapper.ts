import type { AccountRow } from './accounts.repository.js';
import type { AccountWire } from './accounts.schemas.js';

/** The one place account rows become wire objects. */
export function toAccountWire(row: AccountRow): AccountWire {
  return { id: row.id, title: row.title, type: row.type, comment: row.comment };
}
