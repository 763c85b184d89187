// Issue 16, exactly once: what ACS knows of an operation decides whether an alert is sent again, and the
// local mail endpoint, like the real service, still knows an operation after it restarts.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer, operationIdFor } from '../../src/alerts/mailer.js';
import { loadSettings } from '../../src/app/settings.js';
import { type AcsEmulator, startAcsEmulator } from '../../devkit/emulators/acs.js';
import { tempDir } from '../helpers/environment.js';

let emulators: AcsEmulator[] = [];
afterEach(async () => {
  for (const e of emulators) await e.close();
  emulators = [];
});

const message = { senderAddress: 'DoNotReply@contoso.test', content: { subject: 'digest', plainText: 'hello' }, recipients: { to: [{ address: 'secops@contoso.test' }] } };

describe('operation status and a restarted mail endpoint', () => {
  it('an operation is unknown before the send, succeeded after, and still known after the endpoint restarts', async () => {
    const mailDir = path.join(tempDir(), 'mail');
    const first = await startAcsEmulator({ mailDir, accessKey: Buffer.from('k'.repeat(32)).toString('base64') });
    emulators.push(first);
    const mailer = createMailer(loadSettings({ ACS_CONNECTION_STRING: first.connectionString, ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test' }));
    if (!mailer) throw new Error('no mailer');
    const op = operationIdFor('alert-1');
    expect(await mailer.status(op)).toBe('unknown');
    expect(await mailer.send(message, op)).toEqual({ status: 'sent' });
    expect(await mailer.status(op)).toBe('Succeeded');
    await first.close();
    emulators = [];
    // The same port is not guaranteed: a new endpoint on the same mail directory, asked through its own URL.
    const second = await startAcsEmulator({ mailDir, accessKey: Buffer.from('k'.repeat(32)).toString('base64') });
    emulators.push(second);
    const again = createMailer(loadSettings({ ACS_CONNECTION_STRING: second.connectionString, ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test' }));
    expect(await again?.status(op)).toBe('Succeeded');
    // Sending it again anyway stores it once: the files are named by the operation.
    expect(await again?.send(message, op)).toEqual({ status: 'sent' });
    expect(readdirSync(mailDir).filter((f) => f.endsWith('.eml'))).toEqual([`${op}.eml`]);
  });
});
