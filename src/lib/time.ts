/** Timestamps are stored as ISO-8601 UTC text in both dialects: sortable, comparable, portable. */
export function nowIso(): string {
  const now = Date.now();
  // Formatting a date is not free and busy writers ask many times per millisecond.
  if (now !== last.ms) last = { ms: now, iso: new Date(now).toISOString() };
  return last.iso;
}

let last = { ms: -1, iso: '' };

export function isoPlusSeconds(seconds: number, from = Date.now()): string {
  return new Date(from + seconds * 1000).toISOString();
}

/** Altegio renders datetimes as `2024-01-31T10:00:00+0000`-like strings; ISO is close enough and unambiguous. */
export function renderDate(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, '+0000');
}
