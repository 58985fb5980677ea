/**
 * MailApp and Session as the add-on uses them: the installing user's address, and mail counted against a
 * daily quota (100 a day for consumer accounts); a send over the quota throws as Apps Script does.
 */
export interface SentMail {
  to: string;
  subject: string;
  body: string;
}

export function createMailApp(mails: SentMail[], quota: { remaining: number }) {
  return {
    getRemainingDailyQuota: () => quota.remaining,
    sendEmail(
      message: { to: string; subject: string; body: string } | string,
      subject?: string,
      body?: string,
    ) {
      if (quota.remaining < 1) throw new Error('Service invoked too many times for one day: email.');
      const mail =
        typeof message === 'string'
          ? { to: message, subject: String(subject ?? ''), body: String(body ?? '') }
          : { to: message.to, subject: message.subject, body: message.body };
      if (!mail.to) throw new Error('Invalid argument: recipient');
      quota.remaining--;
      mails.push(mail);
    },
  };
}

export function createSession(email: string) {
  const user = { getEmail: () => email };
  return { getEffectiveUser: () => user, getActiveUser: () => user };
}
