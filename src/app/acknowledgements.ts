// Accepted risks in storage (docs/alerts.md "Accepted risks", docs/storage.md): one entity per acknowledged
// finding in the findings table (partition `ack`, keyed by the escaped fingerprint) and an `accepted` event in
// finding history (partitions all / t|type / p|subject), with who accepted it and when. Every query is a
// partition read or a point read; keys derived from input are escaped like every stored key.
import { type Acknowledgement, AcceptanceError, type AcknowledgementOut, acceptable, materialKeys, parseAcceptance } from '../core/acceptance.js';
import type { Finding, Report } from '../core/report.js';
import { acknowledgementEntity, acknowledgementHistory } from '../alerts/decide.js';
import { decodeJson, escapeKey } from '../storage/codec.js';
import type { TableStore } from '../storage/tables.js';
import type { Settings } from './settings.js';

export { AcceptanceError };

/** Every acknowledgement on record (expired ones too, until an evaluation ends them). */
export async function loadAcknowledgements(store: TableStore): Promise<Acknowledgement[]> {
  const out: Acknowledgement[] = [];
  for await (const e of store.partition('findings', 'ack')) {
    const ack = decodeJson<Acknowledgement>(e);
    if (ack) out.push(ack);
  }
  return out;
}

/** An open finding by fingerprint: the findings table's open state, else the current evaluation's. */
async function openFinding(store: TableStore, fingerprint: string, report: () => Promise<Report>): Promise<Finding | undefined> {
  const stored = await store.get('findings', 'open', escapeKey(fingerprint));
  const finding = stored ? decodeJson<Finding>(stored) : undefined;
  if (finding) return finding;
  return (await report()).findings.find((f) => f.fingerprint === fingerprint);
}

export interface AcceptInput {
  body: unknown;
  /** The signed-in caller, where the platform says (App Service authentication's x-ms-client-principal-name). */
  caller: string | null;
  now: string;
}

/**
 * R-ACCEPT-1: validates the request (400 naming the field), finds the open finding (404), records the
 * acknowledgement with what the finding is about now (R-ACCEPT-3), and its history event.
 */
export async function acceptFinding(store: TableStore, settings: Settings, input: AcceptInput, report: () => Promise<Report>): Promise<Acknowledgement> {
  const request = parseAcceptance(input.body, { now: input.now, defaultDays: settings.acceptedRiskDefaultDays, maxDays: settings.acceptedRiskMaxDays });
  let current: Report | undefined;
  const evaluated = async () => (current ??= await report());
  const finding = acceptable(await openFinding(store, request.finding, evaluated), request.finding);
  const ack: Acknowledgement = {
    fingerprint: finding.fingerprint,
    type: finding.type,
    subjectId: finding.subjectId,
    subjectName: finding.subjectName ?? null,
    reason: request.reason,
    owner: request.owner,
    acceptedBy: input.caller ?? 'function key holder',
    acceptedAt: input.now,
    until: request.until,
    material: materialKeys(finding, await evaluated()),
  };
  // History first (what was accepted, by whom, when), then the acknowledgement itself.
  const history = acknowledgementHistory('accepted', ack, input.now, `ack:${input.now}`);
  await store.write('findings', history);
  await store.write('findings', [acknowledgementEntity(ack)]);
  return ack;
}

export type { AcknowledgementOut };

/** Withdraws an acknowledgement (404 when there is none): the next evaluation tells the finding again if it is still raised. */
export async function withdrawAcknowledgement(store: TableStore, fingerprint: string, caller: string | null, now: string): Promise<void> {
  if (!fingerprint || fingerprint.length > 1000) throw new AcceptanceError(400, ['finding: expected the id of an accepted finding']);
  const stored = await store.get('findings', 'ack', escapeKey(fingerprint));
  const ack = stored ? decodeJson<Acknowledgement>(stored) : undefined;
  if (!ack) throw new AcceptanceError(404, [`finding: '${fingerprint.slice(0, 200)}' is not accepted`]);
  await store.write('findings', acknowledgementHistory('acceptance-ended', ack, now, `ack:${now}`, { reason: 'withdrawn', by: caller ?? 'function key holder' }));
  await store.write('findings', [], [{ partitionKey: 'ack', rowKey: escapeKey(fingerprint) }]);
}
