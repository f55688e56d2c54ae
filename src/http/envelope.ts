import type { FieldErrors } from '../errors.js';

/** The one envelope builder: every JSON answer is `{success, data, meta}` (SPEC §1). */
export interface Envelope<T> {
  success: boolean;
  data: T;
  meta: unknown;
}

/** A single object: `meta` is `[]`, as Altegio answers. */
export function single<T, M = never[]>(data: T, meta?: M): { success: true; data: T; meta: M } {
  return { success: true, data, meta: meta ?? ([] as M) };
}

/** A list: `meta.count` is the number of items in the whole result (before paging). */
export function list<T>(
  data: T[],
  count = data.length,
  extra: Record<string, unknown> = {},
): { success: true; data: T[]; meta: { count: number } } {
  return { success: true, data, meta: { count, ...extra } };
}

export function failure(message: string, errors?: FieldErrors): Envelope<null> & { success: false } {
  return { success: false, data: null, meta: errors ? { message, errors } : { message } };
}
