// Reading directory audit events about exclusions (Graph directoryAudit: targetResources with their
// modifiedProperties). Pure.
import type { StoredAuditEvent } from './exemption-types.js';
import { isGuid, normId } from './ids.js';

/** The role template id an "Add member to role" event names (Role.TemplateId, a quoted JSON string), or the role target's id. */
export function auditRoleOf(e: StoredAuditEvent): string | null {
  for (const t of e.targets) {
    for (const m of t.modified) if (/^role\.templateid$/i.test(m.name) && m.newValue) return normId(m.newValue.replace(/"/g, ''));
  }
  const role = e.targets.find((t) => (t.type ?? '').toLowerCase() === 'role' && isGuid(t.id));
  return role ? role.id : null;
}
