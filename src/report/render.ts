// Placeholder renderer (replaced by the report page implementation): the contract is the function signature.
import escapeHtml from 'escape-html';
import type { ReportPageModel } from '../app/report-page.js';

export interface RenderOptions {
  /** CSP nonce for the inline script and style elements. */
  nonce: string;
  /** The Chart.js UMD bundle, inlined so the page works offline. */
  chartJs: string;
}

export function renderReportPage(model: ReportPageModel, options: RenderOptions): string {
  void options;
  return `<!DOCTYPE html><html><body><h1>${escapeHtml(model.report.tenantName ?? model.report.tenantId)}</h1></body></html>`;
}
