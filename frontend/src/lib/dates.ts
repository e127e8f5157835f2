// Local calendar arithmetic for the schedule: Folio's appointment times are
// wall-clock strings ("2026-03-10T09:30"), never instants, so a visit at
// 9:30 stays at 9:30 whatever the PC's time zone or daylight saving does.

const pad = (n: number) => String(n).padStart(2, '0');

export function dayOf(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function wallOf(d: Date): string {
  return `${dayOf(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** parseWall reads "YYYY-MM-DDTHH:MM" (or a date alone) as a local Date. */
export function parseWall(s: string): Date {
  const [date, time = '00:00'] = s.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  return new Date(y, m - 1, d, hh, mm);
}

export function addDays(day: string, n: number): string {
  const d = parseWall(day);
  d.setDate(d.getDate() + n);
  return dayOf(d);
}

export function addMinutes(wall: string, n: number): string {
  const d = parseWall(wall);
  d.setMinutes(d.getMinutes() + n);
  return wallOf(d);
}

/** mondayOf is the Monday starting day's week: clinics plan Monday first. */
export function mondayOf(day: string): string {
  const d = parseWall(day);
  return addDays(day, -((d.getDay() + 6) % 7));
}

export function timeOf(wall: string): string {
  return wall.slice(11, 16);
}

export const weekdayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function longDay(day: string): string {
  const d = parseWall(day);
  return `${weekdayNames[d.getDay()]} ${day}`;
}
