import type { Db, Executor } from '../../db/database.js';
import type { HeldClaim, IdempotencyStore, NewClaim, StoredKey } from '../../http/idempotency.js';
import { nowIso } from '../../lib/time.js';

/** A key's row (keys are scoped to the partner token). */
const keyOf = (partnerId: number, key: string) => ({ partner_id: partnerId, key });

/** The row of a claim still running under this lease (not finished, not taken over). */
const runningClaim = (claim: HeldClaim) => ({
  ...keyOf(claim.partnerId, claim.key),
  state: 'running',
  locked_until: claim.lease,
});

/**
 * SQL for Idempotency-Key (SPEC §4): the store under the write runner's claim protocol
 * (`http/idempotency.ts`). No business rules here.
 */
export class IdempotencyRepository implements IdempotencyStore {
  constructor(private readonly db: Db) {}

  async insertClaim(claim: NewClaim): Promise<boolean> {
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
      .where((eb) => eb.and(keyOf(partnerId, key)))
      .executeTakeFirst();
  }

  async deleteExpired(partnerId: number, key: string, expiresAt: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where((eb) => eb.and({ ...keyOf(partnerId, key), expires_at: expiresAt }))
      .execute();
  }

  async takeOver(partnerId: number, key: string, heldUntil: string, lease: string): Promise<boolean> {
    const taken = await this.db
      .updateTable('idempotency_keys')
      .set({ locked_until: lease })
      .where((eb) => eb.and(runningClaim({ partnerId, key, lease: heldUntil })))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  async complete(
    executor: Executor,
    claim: HeldClaim,
    status: number,
    body: string | null,
  ): Promise<boolean> {
    const result = await executor
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: status, body })
      .where((eb) => eb.and(runningClaim(claim)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(claim: HeldClaim): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where((eb) => eb.and(runningClaim(claim)))
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
