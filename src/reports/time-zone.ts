/**
 * Dates in the account's time zone (an IANA name, e.g. "America/New_York"), through the
 * platform's Intl data: wall-clock parts of an instant, the instant a local day or month starts,
 * and the short texts the reports print. Pure: instants in, instants and strings out.
 *
 * Entry points: `timeZoneProblem`, `localParts`, `startOfLocalDay`, `startOfLocalMonth`,
 * `localDayKey`, `formatLocalDate`, `formatLocalDateTime`, `localWallTimeMs`.
 * Invariant: the printed texts use the en-US locale and plain spaces (some ICU versions put a
 * narrow no-break space before "AM"), so reports read the same on every machine.
 */

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

/** Why `timeZone` is not a usable IANA time zone, or undefined when it is. */
export function timeZoneProblem(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
    return undefined;
  } catch {
    return `"${timeZone}" is not a time zone: use an IANA name such as "America/New_York", "Europe/London" or "UTC"`;
  }
}

export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The wall-clock reading of the instant `ms` in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(new Date(ms)))
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour! % 24,
    minute: out.minute!,
    second: out.second!,
  };
}

/** The wall-clock reading of `ms` in `timeZone`, as if it were UTC (for charts drawn in UTC). */
export function localWallTimeMs(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (ms % 1000);
}

/** The instant whose wall-clock reading in `timeZone` is the given local time (the earlier one across a DST fold). */
function instantOfLocal(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall;
  for (let i = 0; i < 3; i++) guess = wall - (localWallTimeMs(guess, timeZone) - guess);
  return guess;
}

/** The instant the local day containing `ms` starts. */
export function startOfLocalDay(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return instantOfLocal(p.year, p.month, p.day, timeZone);
}

/** The instant the local month containing `ms` starts. */
export function startOfLocalMonth(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return instantOfLocal(p.year, p.month, 1, timeZone);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "YYYY-MM-DD" of the local day containing `ms`. */
export function localDayKey(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

const clean = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

/** "Tue, Feb 4, 2025". */
export function formatLocalDate(iso: string, timeZone: string): string {
  return clean(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
    }).format(new Date(iso)),
  );
}

/** "Feb 4, 2025, 3:30 PM EST". */
export function formatLocalDateTime(iso: string, timeZone: string): string {
  return clean(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
    }).format(new Date(iso)),
  );
}

/** "Feb 4, 3:30 PM" (short, for table cells). */
export function formatLocalShort(iso: string, timeZone: string): string {
  return clean(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
    }).format(new Date(iso)),
  );
}
