import type { Db, Executor } from '../../db/database.js';
import type { IdempotencyStore, StoredKey } from '../../http/idempotency.js';
import { nowIso } from '../../lib/time.js';

/**
 * SQL for Idempotency-Key (SPEC §4): the store under the write runner's claim protocol
 * (`http/idempotency.ts`). No business rules here.
 */
export class IdempotencyRepository implements IdempotencyStore {
  constructor(private readonly db: Db) {}

  async insertClaim(claim: {
    partnerId: number;
    key: string;
    fingerprint: string;
    lease: string;
    createdAt: string;
    expiresAt: string;
  }): Promise<boolean> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({
        partner_id: claim.partnerId,
        key: claim.key,
        fingerprint: claim.fingerprint,
        state: 'running',
        status_code: null,
        body: null,
        locked_until: claim.lease,
        created_at: claim.createdAt,
        expires_at: claim.expiresAt,
      })
      .onConflict((oc) => oc.columns(['partner_id', 'key']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  find(partnerId: number, key: string): Promise<StoredKey | undefined> {
    return this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  async deleteExpired(partnerId: number, key: string, expiresAt: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .where('expires_at', '=', expiresAt)
      .execute();
  }

  async takeOver(partnerId: number, key: string, heldUntil: string, lease: string): Promise<boolean> {
    const taken = await this.db
      .updateTable('idempotency_keys')
      .set({ locked_until: lease })
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .where('state', '=', 'running')
      .where('locked_until', '=', heldUntil)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  async complete(
    executor: Executor,
    partnerId: number,
    key: string,
    lease: string,
    status: number,
    body: string | null,
  ): Promise<boolean> {
    const result = await executor
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: status, body })
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .where('state', '=', 'running')
      .where('locked_until', '=', lease)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(partnerId: number, key: string, lease: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .where('state', '=', 'running')
      .where('locked_until', '=', lease)
      .execute();
  }

  /** Deletes the keys past their 24 hours (every 10 minutes in the server, and `idempotency:purge`). */
  async purgeExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', nowIso())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
