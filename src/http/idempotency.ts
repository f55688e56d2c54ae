import { createHash } from 'node:crypto';
import type { Executor } from '../db/database.js';
import { AppError } from '../errors.js';
import { isoPlusSeconds } from '../lib/time.js';

/** Keys are kept (and replayed) for 24 hours after the first request (SPEC §4). */
export const KEY_TTL_SECONDS = 24 * 60 * 60;
/**
 * A running claim whose holder has not finished in this time is taken to be abandoned (its
 * process died) and a retry may take it over. Correctness never rests on this guess: every
 * claim carries a fencing lease, so a holder that was only slow cannot commit after a takeover.
 */
export const CLAIM_LEASE_SECONDS = 30;

/** A stored key as the claim protocol reads it. */
export interface StoredKey {
  fingerprint: string;
  /** 'running' while the first request is in flight, 'done' once its answer is stored. */
  state: string;
  status_code: number | null;
  body: string | null;
  locked_until: string;
  expires_at: string;
}

/** A key claimed by the request running now, with the lease it wrote. */
export interface HeldClaim {
  partnerId: number;
  key: string;
  lease: string;
}

/** A first request's claim of its key. */
export interface NewClaim {
  partnerId: number;
  key: string;
  fingerprint: string;
  lease: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * The SQL behind Idempotency-Key, one statement per method (implemented by
 * `modules/idempotency/idempotency.repository.ts`, wired in by `services.ts`). `lease` is a
 * claim's fencing token: the `locked_until` its holder wrote. A takeover always writes a later
 * one, so "the row still holds my lease" means "the claim is still mine".
 */
export interface IdempotencyStore {
  /** Inserts a running claim; false when the key already has a row. */
  insertClaim(claim: NewClaim): Promise<boolean>;
  find(partnerId: number, key: string): Promise<StoredKey | undefined>;
  /** Deletes the key's row if it still has this expiry. */
  deleteExpired(partnerId: number, key: string, expiresAt: string): Promise<void>;
  /** Moves a running claim from `heldUntil` to `lease`; false when another request was faster. */
  takeOver(partnerId: number, key: string, heldUntil: string, lease: string): Promise<boolean>;
  /**
   * Stores the answer, on the effect's executor so both commit together. False when the claim
   * no longer holds its lease (taken over): the caller must then roll back.
   */
  complete(executor: Executor, claim: HeldClaim, status: number, body: string | null): Promise<boolean>;
  /** Gives the key back (the request failed without an answer worth keeping, e.g. a 503). */
  release(claim: HeldClaim): Promise<void>;
}

type Claim = { kind: 'claimed'; lease: string } | { kind: 'replay'; status: number; body: string | null };

/** The claim was taken over while this request ran; its effect must not commit. */
export class ClaimLostError extends AppError {
  constructor() {
    super(
      'conflict',
      'A retry with this Idempotency-Key took the request over; retry to get its answer.',
      undefined,
      1,
    );
  }
}

/**
 * What makes two requests "the same": method, path with query, the acting user, and the parsed
 * body (JSON with sorted keys, so formatting and key order do not matter). Headers such as
 * Content-Type do not change the meaning of a request, so they are left out.
 */
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

const stillRunning = () =>
  new AppError('conflict', 'A request with this Idempotency-Key is still being processed.', undefined, 1);

/**
 * Idempotency keys (SPEC §4). A request first claims its key in a short transaction of its
 * own, so a concurrent duplicate sees the claim at once (409) instead of queueing behind it;
 * the answer is then stored by `complete` inside the same transaction as the effect, so an
 * effect is never committed without its answer, nor an answer without its effect. A process
 * that dies mid-request leaves a running claim and no effect (its transaction never
 * committed); once the lease has passed, a retry takes the claim over and runs the request.
 */
export async function claimKey(
  store: IdempotencyStore,
  partnerId: number,
  key: string,
  print: string,
): Promise<Claim> {
  for (let round = 0; round < 5; round++) {
    const at = Date.now();
    const now = new Date(at).toISOString();
    const lease = isoPlusSeconds(CLAIM_LEASE_SECONDS, at);
    const expiresAt = isoPlusSeconds(KEY_TTL_SECONDS, at);
    if (await store.insertClaim({ partnerId, key, fingerprint: print, lease, createdAt: now, expiresAt })) {
      return { kind: 'claimed', lease };
    }

    const row = await store.find(partnerId, key);
    if (!row) continue; // released or purged in between: claim again
    if (row.expires_at <= now) {
      // Past its 24 hours the key is free again, whatever the purge job has not yet removed.
      await store.deleteExpired(partnerId, key, row.expires_at);
      continue;
    }
    if (row.fingerprint !== print) {
      throw AppError.invalid('Idempotency-Key was already used with a different request.', {
        'Idempotency-Key': ['Idempotency-Key was already used with a different request.'],
      });
    }
    if (row.state === 'done') return { kind: 'replay', status: row.status_code ?? 200, body: row.body };
    if (row.locked_until > now) throw stillRunning();
    // The holder's lease has passed (its process died, or it is stuck): take over.
    if (await store.takeOver(partnerId, key, row.locked_until, lease)) return { kind: 'claimed', lease };
    throw stillRunning();
  }
  throw stillRunning();
}
