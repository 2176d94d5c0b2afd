// Cron-style schedules: when a schedule is next due. Pure; times are UTC.
//   "@every 30s" / "@every 5m" / "@every 2h"   a fixed interval, counted from the run it follows
//   "@hourly", "@daily", "@weekly"             the usual shorthands
//   "m h dom mon dow" or "s m h dom mon dow"   fields with *, a, a-b, a,b, */n and a-b/n (dow 0-7, 0 and 7 = Sunday)
// As in cron, when both day-of-month and day-of-week are restricted a day matching either one is due.

export interface CronSpec {
  every?: number;
  fields?: { sec: Set<number>; min: Set<number>; hour: Set<number>; dom: Set<number>; mon: Set<number>; dow: Set<number> };
  domAny?: boolean;
  dowAny?: boolean;
}

const SHORTHANDS: Record<string, string> = { '@hourly': '0 * * * *', '@daily': '0 0 * * *', '@weekly': '0 0 * * 0' };
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

function field(text: string, lo: number, hi: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`${name}: "${part}" is not a cron field`);
    const step = m[2] ? Number(m[2]) : 1;
    let a = lo;
    let b = hi;
    if (m[1] !== '*') {
      const [x, y] = m[1]!.split('-').map(Number);
      a = x!;
      b = y ?? (m[2] ? hi : x!);
    }
    if (step < 1 || a < lo || b > hi || a > b) throw new Error(`${name}: "${part}" is out of range ${lo}-${hi}`);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

/** Parses a schedule; throws an Error saying what is wrong. */
export function parseCron(text: string): CronSpec {
  const t = (SHORTHANDS[text.trim()] ?? text).trim();
  const every = /^@every\s+(\d+)\s*([smh])$/.exec(t);
  if (every) {
    const ms = Number(every[1]) * UNITS[every[2]!]!;
    if (ms < 1000) throw new Error('@every: at least 1s');
    return { every: ms };
  }
  const parts = t.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) throw new Error(`"${text}" has ${parts.length} fields; a cron schedule has 5 or 6`);
  if (parts.length === 5) parts.unshift('0');
  const [sec, min, hour, dom, mon, dow] = parts as [string, string, string, string, string, string];
  const dows = field(dow, 0, 7, 'day of week');
  if (dows.has(7)) dows.add(0);
  return {
    fields: {
      sec: field(sec, 0, 59, 'second'),
      min: field(min, 0, 59, 'minute'),
      hour: field(hour, 0, 23, 'hour'),
      dom: field(dom, 1, 31, 'day of month'),
      mon: field(mon, 1, 12, 'month'),
      dow: dows,
    },
    domAny: dom === '*',
    dowAny: dow === '*',
  };
}

/**
 * The first due time strictly after `after`. Missed times are skipped, never caught up one by one: a
 * schedule that was due while every instance was down runs once, then at its next time.
 */
export function nextRun(spec: CronSpec | string, after: Date): Date {
  const s = typeof spec === 'string' ? parseCron(spec) : spec;
  if (s.every) return new Date(after.getTime() + s.every);
  const f = s.fields!;
  const d = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const dayOk = () => {
    const domOk = f.dom.has(d.getUTCDate());
    const dowOk = f.dow.has(d.getUTCDay());
    if (s.domAny && s.dowAny) return true;
    if (s.domAny) return dowOk;
    if (s.dowAny) return domOk;
    return domOk || dowOk;
  };
  // at most a few thousand steps: each one moves to the next month, day, hour, minute or second that may match
  for (let i = 0; i < 100_000; i++) {
    if (d.getUTCFullYear() > after.getUTCFullYear() + 8) break;
    if (!f.mon.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!dayOk()) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!f.hour.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!f.min.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    } else if (!f.sec.has(d.getUTCSeconds())) {
      d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
    } else {
      return d;
    }
  }
  throw new Error('This schedule is never due (e.g. 31 February)');
}
