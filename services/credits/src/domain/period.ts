/**
 * Billing periods: each starts on the organization's signup day of the month (its anchor).
 * In a month too short for the anchor (the 29th to 31st), the period starts on the month's
 * last day, and the next one goes back to the anchor. Dates are UTC calendar days, written
 * "YYYY-MM-DD"; a period runs from its start day (inclusive) to its end day (exclusive).
 */
export interface Period {
  start: string;
  end: string;
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The start day of the period beginning in `month0` of `year` (month may over- or underflow). */
function startIn(year: number, month0: number, anchorDay: number): Date {
  const first = new Date(Date.UTC(year, month0, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth();
  return new Date(Date.UTC(y, m, Math.min(anchorDay, daysInMonth(y, m))));
}

export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

function format(date: Date): string {
  return dayOf(date);
}

/** The anchor of an organization that signed up at `signupAt`. */
export function anchorDayOf(signupAt: Date): number {
  return signupAt.getUTCDate();
}

/** The period that contains `day` ("YYYY-MM-DD") for the given anchor. */
export function periodContaining(anchorDay: number, day: string): Period {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const target = Date.UTC(year, month - 1, date);
  const thisMonth = startIn(year, month - 1, anchorDay);
  if (target >= thisMonth.getTime()) {
    return { start: format(thisMonth), end: format(startIn(year, month, anchorDay)) };
  }
  return { start: format(startIn(year, month - 2, anchorDay)), end: format(thisMonth) };
}

/** A period as the API shows it: ISO instants at UTC midnight, end exclusive. */
export function periodView(period: Period): { start: string; end: string } {
  return { start: `${period.start}T00:00:00.000Z`, end: `${period.end}T00:00:00.000Z` };
}

/** `instant` plus whole calendar months (the day clamps to the target month's last day). */
export function addMonths(instant: Date, months: number): Date {
  const y = instant.getUTCFullYear();
  const m = instant.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, m, 1));
  const day = Math.min(
    instant.getUTCDate(),
    daysInMonth(target.getUTCFullYear(), target.getUTCMonth()),
  );
  return new Date(
    Date.UTC(
      target.getUTCFullYear(),
      target.getUTCMonth(),
      day,
      instant.getUTCHours(),
      instant.getUTCMinutes(),
      instant.getUTCSeconds(),
      instant.getUTCMilliseconds(),
    ),
  );
}
