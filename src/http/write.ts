import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { fingerprint, type IdempotencyService } from '../modules/idempotency/idempotency.service.js';
import { errorReply, sendError, STATUS } from './error-handler.js';
import { isTransientDatabaseError } from './transient.js';

export interface WriteAnswer {
  status: number;
  /** The envelope to send; absent for 204. */
  body?: unknown;
}

export interface WriteOptions {
  /**
   * Run the effect in one database transaction (the default). Login opts out: its failure
   * counter must be written even though the answer is an error.
   */
  transaction?: boolean;
}

const MAX_ATTEMPTS = 6;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The one way a POST, PUT or DELETE runs. It gives every write the same guarantees:
 * - the effect runs in a transaction; a busy database (lock timeout, serialization failure,
 *   SQLITE_BUSY) retries it a bounded number of times, then answers 503 with Retry-After —
 *   never a wrong business answer, never a 500;
 * - with an `Idempotency-Key`, the answer is stored with the effect and replayed on retries.
 * The answer is sent as the exact bytes that were stored, so a replay is identical.
 */
export class WriteRunner {
  constructor(
    private readonly db: Db,
    private readonly idempotency: IdempotencyService,
  ) {}

  async run(
    request: FastifyRequest,
    reply: FastifyReply,
    effect: (executor: Transaction<Database> | Db) => Promise<WriteAnswer>,
    options: WriteOptions = {},
  ): Promise<void> {
    await this.answer(request, reply, effect, options);
  }

  private async answer(
    request: FastifyRequest,
    reply: FastifyReply,
    effect: (executor: Transaction<Database> | Db) => Promise<WriteAnswer>,
    options: WriteOptions,
  ): Promise<FastifyReply> {
    const key = this.keyOf(request);
    const partnerId = request.auth.partnerId;
    if (key) {
      const print = fingerprint(
        [request.method, request.url, request.auth.user?.id ?? null, request.headers['content-type'] ?? null],
        request.body,
      );
      const claim = await this.idempotency.claim(partnerId, key, print);
      if (claim.kind === 'replay') {
        reply.header('Idempotency-Replayed', 'true').code(claim.status);
        return claim.body === null ? reply.send() : reply.type(JSON_TYPE).send(claim.body);
      }
    }

    for (let attempt = 1; ; attempt++) {
      try {
        const answer =
          options.transaction === false
            ? await this.complete(this.db, effect, key, partnerId)
            : await this.db.transaction().execute((trx) => this.complete(trx, effect, key, partnerId));
        reply.code(answer.status);
        return answer.text === null ? reply.send() : reply.type(JSON_TYPE).send(answer.text);
      } catch (error) {
        if (isTransientDatabaseError(error) && attempt < MAX_ATTEMPTS) {
          await sleep(10 * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        const appError = error instanceof AppError ? error : null;
        if (key) {
          if (appError && STATUS[appError.kind] < 500 && appError.kind !== 'too_many_requests') {
            // A refusal is an answer too: the retry gets the same refusal, nothing changed.
            const { status, body } = errorReply(appError);
            await this.idempotency.complete(this.db, partnerId, key, status, JSON.stringify(body));
          } else {
            await this.idempotency.release(partnerId, key);
          }
        }
        if (isTransientDatabaseError(error)) {
          request.log.warn({ err: error }, 'write gave up after retries');
          return sendError(
            reply,
            new AppError('unavailable', 'The server is busy, please retry.', undefined, 1),
          );
        }
        throw error;
      }
    }
  }

  private async complete(
    executor: Transaction<Database> | Db,
    effect: (executor: Transaction<Database> | Db) => Promise<WriteAnswer>,
    key: string | null,
    partnerId: number,
  ): Promise<{ status: number; text: string | null }> {
    const answer = await effect(executor);
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    if (key) await this.idempotency.complete(executor, partnerId, key, answer.status, text);
    return { status: answer.status, text };
  }

  private keyOf(request: FastifyRequest): string | null {
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return null;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || !KEY_PATTERN.test(key)) {
      throw AppError.invalid('Idempotency-Key must be 1 to 255 printable ASCII characters.', {
        'Idempotency-Key': ['Idempotency-Key must be 1 to 255 printable ASCII characters.'],
      });
    }
    return key;
  }
}
