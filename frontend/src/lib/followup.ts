// The follow-up a visit note's plan asks for in words ("see in 3 months",
// "f/u 2 wks", "RTC 6 weeks"), offered to the clinician as the visit's
// follow-up: Folio records a follow-up only when the clinician sets it.

const asked =
  /\b(?:see|seen|f\/u|fu|follow[- ]?up|review|recheck|return|rtc|come back|revisit)\b[^.\n;]{0,24}?\b(?:in\s+)?(\d{1,2})\s*(days?|d|weeks?|wks?|wk|w|months?|mos?|mo|m|years?|yrs?|yr|y)\b/i;

const units: Record<string, string> = { d: 'day', w: 'week', m: 'month', y: 'year' };

/** followUpFromPlan is the follow-up a plan asks for ("3 months"), or '' none. */
export function followUpFromPlan(plan: string): string {
  const m = asked.exec(plan);
  if (!m) return '';
  const n = Number(m[1]);
  if (!n) return '';
  const unit = units[m[2][0].toLowerCase()];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
