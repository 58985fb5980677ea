import crypto from 'node:crypto';

/**
 * ScriptApp as an add-on meets it: installable triggers at most one of each type per user and document
 * (edit; time-driven — hourly at the most often), and a clock the test moves forward: each whole hour it
 * passes fires the time-driven triggers due then, with the event object Apps Script passes (year, month,
 * day-of-month, hour … in the script's time zone, and the trigger's uid).
 */
export interface Trigger {
  handler: string;
  kind: 'edit' | 'time';
  uid: string;
  /** Time-driven: every N hours, or on a day of the month at an hour. */
  everyHours?: number;
  monthDay?: number;
  atHour?: number;
}

export interface Clock {
  now: Date;
}

const limitMessage =
  'This add-on has created too many triggers of this type in this document for this Google user account.';

function triggerBuilder(triggers: Trigger[], handler: string) {
  const create = (kind: Trigger['kind'], schedule: Partial<Trigger> = {}) => {
    if (triggers.some((t) => t.kind === kind)) throw new Error(limitMessage);
    const trigger: Trigger = { handler, kind, uid: crypto.randomUUID(), ...schedule };
    triggers.push(trigger);
    return { getHandlerFunction: () => handler, getUniqueId: () => trigger.uid };
  };
  return {
    forSpreadsheet: () => ({
      onEdit: () => ({ create: () => create('edit') }),
      onOpen: () => ({ create: () => create('edit') }),
    }),
    timeBased: () => ({
      everyMinutes: () => {
        throw new Error(
          'Add-ons may not create time-based triggers to run more frequently than once per hour.',
        );
      },
      everyHours: (n: number) => {
        if (![1, 2, 4, 6, 8, 12].includes(n)) throw new Error(`Invalid everyHours value ${n}`);
        return { create: () => create('time', { everyHours: n }) };
      },
      onMonthDay: (day: number) => ({
        atHour: (hour: number) => ({ create: () => create('time', { monthDay: day, atHour: hour }) }),
      }),
    }),
  };
}

export function createScriptApp(triggers: Trigger[], identityToken: () => string | null) {
  return {
    getIdentityToken: identityToken,
    getUserTriggers: () =>
      triggers.map((t) => ({ getHandlerFunction: () => t.handler, getUniqueId: () => t.uid })),
    deleteTrigger: (t: { getUniqueId(): string }) => {
      const i = triggers.findIndex((x) => x.uid === t.getUniqueId());
      if (i >= 0) triggers.splice(i, 1);
    },
    newTrigger: (handler: string) => triggerBuilder(triggers, handler),
  };
}

/** The wall-clock fields of `at` in `timeZone`, as a time-driven trigger's event carries them. */
export function clockEvent(at: Date, timeZone: string, triggerUid: string): Record<string, unknown> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return {
    authMode: 'FULL',
    triggerUid,
    timezone: timeZone,
    year: get('year'),
    month: get('month'),
    'day-of-month': get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

function due(trigger: Trigger, event: Record<string, unknown>, at: Date): boolean {
  if (trigger.kind !== 'time') return false;
  if (trigger.everyHours) return Math.floor(at.getTime() / 3_600_000) % trigger.everyHours === 0;
  return event['day-of-month'] === trigger.monthDay && event.hour === trigger.atHour;
}

/**
 * Moves the clock to `to`, firing every time-driven trigger due at each whole hour passed (in order), by
 * calling its handler with the event object. Returns the fires, for the test to read.
 */
export function advanceClock(
  clock: Clock,
  to: Date,
  triggers: readonly Trigger[],
  timeZone: string,
  call: (handler: string, event: Record<string, unknown>) => void,
): Array<{ handler: string; at: string }> {
  const fired: Array<{ handler: string; at: string }> = [];
  let hour = Math.floor(clock.now.getTime() / 3_600_000) + 1;
  while (hour * 3_600_000 <= to.getTime()) {
    const at = new Date(hour * 3_600_000);
    clock.now = at;
    for (const trigger of [...triggers]) {
      const event = clockEvent(at, timeZone, trigger.uid);
      if (!due(trigger, event, at)) continue;
      fired.push({ handler: trigger.handler, at: at.toISOString() });
      call(trigger.handler, event);
    }
    hour++;
  }
  clock.now = to;
  return fired;
}
