/** The local hour a reminder fires at, in its organization's timezone. */
export const REMINDER_HOUR = 9;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether `zone` is an IANA timezone this runtime knows. */
export function isValidTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** How far `zone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
function zoneOffsetMs(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time in `zone` happens (DST-aware; a skipped hour moves forward). */
export function zonedTimeToInstant(date: string, hour: number, zone: string): Date {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, 0, 0);
  // Two passes: the offset at the first guess may differ from the one at the answer (DST).
  let instant = wall - zoneOffsetMs(wall, zone);
  instant = wall - zoneOffsetMs(instant, zone);
  return new Date(instant);
}

/** `date` (YYYY-MM-DD) minus `days` calendar days. */
export function minusDays(date: string, days: number): string {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day) - days * DAY_MS).toISOString().slice(0, 10);
}

/** When a reminder fires: `daysBefore` days before the key date, at 09:00 in the zone. */
export function reminderFireAt(date: string, daysBefore: number, zone: string): Date {
  return zonedTimeToInstant(minusDays(date, daysBefore), REMINDER_HOUR, zone);
}
