import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { postgresOf, type Db, type Executor } from '../db/database.js';
import { AppError } from '../errors.js';
import {
  claimKey,
  ClaimLostError,
  CLAIM_LEASE_SECONDS,
  fingerprint,
  type HeldClaim,
  type IdempotencyStore,
} from './idempotency.js';
import { errorReply, sendError, STATUS } from './error-handler.js';
import { isDatabaseUnreachable, isRetryableDatabaseError, isTransientDatabaseError } from '../db/errors.js';
import { writeTransaction } from '../db/group-commit.js';

export interface WriteAnswer {
  status: number;
  /** The envelope to send; absent for 202 and 204. */
  body?: unknown;
}

/**
 * How a write commits, declared once per route (`write.commit` in http/route.ts):
 * - `transaction` (the default): the effect runs in one database transaction (on a SQLite file,
 *   in the group commit: db/group-commit.ts);
 * - `atomic`: the effect's writes are one statement on PostgreSQL (as
 *   `CardsRepository.applyManualTransaction`). Without an Idempotency-Key, whose stored answer
 *   must commit with them, no transaction is opened around it there: that saves the BEGIN and
 *   COMMIT round trips. On SQLite it runs in a transaction as above (on a file, the group
 *   commit's shared transaction costs less than a commit per write);
 * - `none`: never in a transaction. Login: its failure counter must be written even though the
 *   answer is an error.
 */
export type CommitMode = 'transaction' | 'atomic' | 'none';

/** How one route's writes run, fixed when the route is declared. */
export interface WritePlan {
  commit: CommitMode;
  /**
   * `false` for a write whose answer must never be stored (it carries a secret): its
   * Idempotency-Key is not honoured, and the OpenAPI document does not offer one.
   */
  idempotency: boolean;
}

/** A route's effect: handed the executor the plan chose (a transaction, or the database). */
export type WriteEffect = (executor: Executor, request: FastifyRequest) => Promise<WriteAnswer>;

/** Attempts of one write under contention (so at most MAX_ATTEMPTS - 1 retries), then 503. */
const MAX_ATTEMPTS = 6;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
/** How often a key claimed when the database went away is offered back (`releaseLater`). */
const RELEASE_RETRY_MS = 500;
const KEY_MESSAGE = 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.';

/**
 * The one way a POST, PUT, PATCH or DELETE runs, and the only place that decides how it
 * commits. It gives every write the same guarantees:
 * - the effect runs as its route's plan says (`CommitMode` above); a busy database (lock
 *   timeout, serialization failure, SQLITE_BUSY) retries it a bounded number of times, then
 *   answers 503 with Retry-After — never a wrong business answer, never a 500; an unreachable
 *   database (down, or the connection lost mid-way) is not retried, since whether the effect
 *   committed is unknown: the error handler answers 503;
 * - with an `Idempotency-Key`, the answer is stored with the effect and replayed on retries.
 * The answer is sent as the exact bytes that were stored, so a replay is identical.
 */
export class WriteRunner {
  private active = 0;
  private readonly idle: (() => void)[] = [];
  /** Where an `atomic` effect is one statement: PostgreSQL. */
  private readonly atomicRunsAlone: boolean;
  /** Shutdown began (`drain`): keys are no longer given back in the background. */
  private closing = false;

  constructor(
    private readonly db: Db,
    private readonly idempotency: IdempotencyStore,
  ) {
    this.atomicRunsAlone = postgresOf(db) !== undefined;
  }

  async run(
    request: FastifyRequest,
    reply: FastifyReply,
    effect: WriteEffect,
    plan: WritePlan,
  ): Promise<void> {
    this.active += 1;
    try {
      await this.answer(request, reply, effect, plan);
    } finally {
      this.active -= 1;
      if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /**
   * Resolves once no write is running. Shutdown waits for this before closing the database:
   * Fastify's close does not wait for a handler whose client has already hung up.
   */
  drain(): Promise<void> {
    this.closing = true;
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  private async answer(
    request: FastifyRequest,
    reply: FastifyReply,
    effect: WriteEffect,
    plan: WritePlan,
  ): Promise<FastifyReply> {
    const key = plan.idempotency ? this.keyOf(request) : null;
    let held: HeldClaim | null = null;
    if (key) {
      const partnerId = request.auth.partnerId;
      const print = fingerprint([request.method, request.url, request.auth.user?.id ?? null], request.body);
      const claim = await claimKey(this.idempotency, partnerId, key, print);
      if (claim.kind === 'replay') {
        reply.header('Idempotency-Replayed', 'true').code(claim.status);
        return claim.body === null ? reply.send() : reply.type(JSON_TYPE).send(claim.body);
      }
      held = { partnerId, key, lease: claim.lease };
    }

    // An atomic effect runs on its own where it is one statement, unless a key's answer must
    // commit with it.
    const alone = plan.commit === 'none' || (plan.commit === 'atomic' && !held && this.atomicRunsAlone);
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = alone
          ? await this.complete(this.db, request, effect, held)
          : await writeTransaction(this.db, (trx) => this.complete(trx, request, effect, held));
        reply.code(answer.status);
        return answer.text === null ? reply.send() : reply.type(JSON_TYPE).send(answer.text);
      } catch (error) {
        if (isRetryableDatabaseError(error) && attempt < MAX_ATTEMPTS) {
          await sleep(10 * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        // A lost claim belongs to the request that took it over: neither store nor release it.
        if (held && !(error instanceof ClaimLostError)) await this.settleFailure(held, error, request);
        // An unreachable database (down, or the connection lost mid-way) is not retried here:
        // whether the work committed is unknown. The error handler answers it 503.
        if (isTransientDatabaseError(error) && !isDatabaseUnreachable(error)) {
          request.log.warn({ err: error, attempts: attempt }, 'write gave up: database busy');
          return sendError(
            reply,
            new AppError('unavailable', 'The server is busy, please retry.', undefined, 1),
          );
        }
        throw error;
      }
    }
  }

  /**
   * After the effect was rolled back: a refusal (4xx) is an answer too, so a retry gets the same
   * refusal; anything else (503, 500) gives the key back so a retry runs the request anew.
   */
  private async settleFailure(held: HeldClaim, error: unknown, request: FastifyRequest): Promise<void> {
    try {
      if (error instanceof AppError && STATUS[error.kind] < 500 && error.kind !== 'too_many_requests') {
        const { status, body } = errorReply(error);
        if (await this.idempotency.complete(this.db, held, status, JSON.stringify(body))) {
          return;
        }
      }
      await this.idempotency.release(held);
    } catch (storeError) {
      // The database went away: the key is given back once it answers again.
      if (isDatabaseUnreachable(storeError)) this.releaseLater(held);
      // Otherwise the claim stays "running" until its lease passes; then a retry takes it over.
      else request.log.warn({ err: storeError }, 'could not settle an idempotency key');
    }
  }

  /**
   * The database went away with a key claimed: give the key back once it is reachable again, so
   * that a retry runs the request at once rather than meeting "still running" (409) until the
   * claim's lease passes. Safe whatever became of the effect: the release removes the claim only
   * while it is still running under this lease, and the effect stores its answer in that same row
   * in its own transaction, so one of the two wins. A committed effect keeps its stored answer
   * (replayed); an effect not committed (rolled back, or still in flight on a connection the
   * server lost) can no longer store its answer, so it cannot commit.
   */
  private releaseLater(held: HeldClaim): void {
    const until = Date.now() + CLAIM_LEASE_SECONDS * 1000;
    const attempt = () => {
      if (this.closing || Date.now() > until) return;
      this.idempotency.release(held).catch((error: unknown) => {
        if (isDatabaseUnreachable(error)) setTimeout(attempt, RELEASE_RETRY_MS).unref();
      });
    };
    setTimeout(attempt, RELEASE_RETRY_MS).unref();
  }

  private async complete(
    executor: Executor,
    request: FastifyRequest,
    effect: WriteEffect,
    held: HeldClaim | null,
  ): Promise<{ status: number; text: string | null }> {
    const answer = await effect(executor, request);
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    if (held && !(await this.idempotency.complete(executor, held, answer.status, text))) {
      // Throwing rolls the effect back: the request that took the key over will make it.
      throw new ClaimLostError();
    }
    return { status: answer.status, text };
  }

  private keyOf(request: FastifyRequest): string | null {
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return null;
    const values = Array.isArray(raw) ? raw : [raw];
    const key = values[0];
    // Two different keys on one request cannot both be honoured.
    if (!key || !KEY_PATTERN.test(key) || values.some((v) => v !== key)) {
      throw AppError.invalid(KEY_MESSAGE, { 'Idempotency-Key': [KEY_MESSAGE] });
    }
    return key;
  }
}
