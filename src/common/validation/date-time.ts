import { ValidateBy } from 'class-validator';

/**
 * The date-times a query filter takes: ISO 8601 in its extended form, a year, a month, a day, or a day
 * and a time (`T` or a space between, minutes or seconds, a fraction after `.` or `,`), with an offset
 * (`Z`, `+05`, `+05:30`, `+0530`) or without one, which is UTC as every time the API answers.
 * Week and ordinal dates and the basic form (`20261101T000000Z`) are not taken.
 */
const DATE_TIME =
  /^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?)?)?)?$/;

/** The instant a filter's date-time names, or undefined when it is not one (no such day, hour 25, year 0000). */
export function utcInstantOf(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [m[1], m[2], m[3], m[4], m[5], m[6], m[10], m[11]].map(
    (part) => Number(part ?? 0),
  );
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  // day 0 of the next month is the last of this one (Date.UTC reads years below 100 as 19xx, as leap as they)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const endOfDay = hour === 24 && minute === 0 && second === 0 && ms === 0;
  if (year < 1 || (m[2] !== undefined && (month < 1 || month > 12)) || (m[3] !== undefined && (day < 1 || day > daysInMonth)))
    return undefined;
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, (month || 1) - 1, day || 1);
  date.setUTCHours(hour, minute, second, ms);
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return new Date(date.getTime() - offset * 60_000);
}

/** The class-validator rule of a date-time filter (utcInstantOf). */
export function IsDateTime(field: string): PropertyDecorator {
  return ValidateBy(
    { name: 'isDateTime', validator: { validate: (value: unknown) => typeof value === 'string' && utcInstantOf(value) !== undefined } },
    { message: `${field} must be an ISO 8601 date-time` },
  );
}
