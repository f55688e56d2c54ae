/**
 * An appointment's start as Altegio sends it: ISO 8601 with an offset. It is kept as given, and
 * read three ways: the instant (UTC, for ordering and ranges), the appointment's own calendar day
 * and its wall-clock time in the offset it was given with (Altegio's `date`, "Y-m-d H:i:s").
 */
export interface AppointmentTime {
  /** As given, trimmed. */
  datetime: string;
  /** The same instant, ISO 8601 UTC. */
  startsAt: string;
  /** Y-m-d in the given offset. */
  localDate: string;
}

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|z|([+-])(\d{2}):?(\d{2}))$/;

/** Null when the text is not a real date and time with an offset (2024-02-30, 25:00, +15:00…). */
export function parseAppointmentTime(text: string): AppointmentTime | null {
  const datetime = text.trim();
  const m = DATETIME.exec(datetime);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone, sign, oh = '00', om = '00'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  ) {
    return null;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    if (Number(oh) > 14 || Number(om) > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  return {
    datetime,
    startsAt: new Date(wall - offsetMinutes * 60_000 + millis).toISOString(),
    localDate: `${y}-${mo}-${d}`,
  };
}

/** Altegio's `date`: the wall-clock "Y-m-d H:i:s" of a datetime as given. */
export function wallClock(datetime: string): string {
  const m = DATETIME.exec(datetime);
  if (!m) return '';
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}`;
}

/** "Y-m-d H:i:s" of a stored UTC instant (document and payment dates). */
export function utcWallClock(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}
