import { createHash } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { isoPlusSeconds, nowIso } from '../../lib/time.js';

/** Keys are kept (and replayed) for 24 hours (SPEC §4). */
export const KEY_TTL_SECONDS = 24 * 60 * 60;
/** A running claim whose holder has not finished in this time is taken to be abandoned. */
export const CLAIM_LEASE_SECONDS = 60;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: string | null };

export function fingerprint(parts: (string | number | null)[], body: unknown): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part ?? ''}\n`);
  hash.update(canonicalJson(body ?? null));
  return hash.digest('hex');
}

/** JSON with sorted keys, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Idempotency keys (SPEC §4). A request first claims its key in a short transaction of its
 * own, so a concurrent duplicate sees the claim at once (409) instead of queueing behind it;
 * the answer is then stored by `complete` inside the same transaction as the effect, so an
 * effect is never committed without its answer, nor an answer without its effect.
 */
export class IdempotencyService {
  constructor(private readonly db: Db) {}

  async claim(partnerId: number, key: string, print: string): Promise<Claim> {
    const now = nowIso();
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({
        partner_id: partnerId,
        key,
        fingerprint: print,
        state: 'running',
        status_code: null,
        body: null,
        locked_until: isoPlusSeconds(CLAIM_LEASE_SECONDS),
        created_at: now,
        expires_at: isoPlusSeconds(KEY_TTL_SECONDS),
      })
      .onConflict((oc) => oc.columns(['partner_id', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { kind: 'claimed' };

    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return this.claim(partnerId, key, print); // purged in between
    if (row.expires_at <= now) {
      await this.db
        .deleteFrom('idempotency_keys')
        .where('partner_id', '=', partnerId)
        .where('key', '=', key)
        .where('expires_at', '=', row.expires_at)
        .execute();
      return this.claim(partnerId, key, print);
    }
    if (row.fingerprint !== print) {
      throw AppError.invalid('Idempotency-Key was already used with a different request.', {
        'Idempotency-Key': ['Idempotency-Key was already used with a different request.'],
      });
    }
    if (row.state === 'done') return { kind: 'replay', status: row.status_code ?? 200, body: row.body };
    if (row.locked_until > now) {
      throw new AppError(
        'conflict',
        'A request with this Idempotency-Key is still being processed.',
        undefined,
        1,
      );
    }
    // The first holder died mid-request (its effect, if any, was rolled back with it): take over.
    const taken = await this.db
      .updateTable('idempotency_keys')
      .set({ locked_until: isoPlusSeconds(CLAIM_LEASE_SECONDS) })
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .where('state', '=', 'running')
      .where('locked_until', '=', row.locked_until)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return { kind: 'claimed' };
    throw new AppError(
      'conflict',
      'A request with this Idempotency-Key is still being processed.',
      undefined,
      1,
    );
  }

  /** Stores the answer; pass the effect's transaction so both commit together. */
  async complete(executor: Executor, partnerId: number, key: string, status: number, body: string | null) {
    await executor
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: status, body })
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .execute();
  }

  /** Gives the key back (the request failed without an answer worth keeping, e.g. a 503). */
  async release(partnerId: number, key: string) {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('partner_id', '=', partnerId)
      .where('key', '=', key)
      .where('state', '=', 'running')
      .execute();
  }

  async purgeExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', nowIso())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
