/// <reference types="google-apps-script" />
import { describe, expect, it } from 'vitest';
import { metricsTable, monthsBack } from '../../addon/src/qbr';
import { checkSettingsForm } from '../../addon/src/settings';
import { asText, cellsFor } from '../../addon/src/table';

describe('add-on pure helpers', () => {
  it('writes formula- and number-looking text as text', () => {
    expect(asText('=HYPERLINK("https://evil.example","pay")')).toBe(
      '\'=HYPERLINK("https://evil.example","pay")',
    );
    expect(asText('+1 555')).toBe("'+1 555");
    expect(asText('-5')).toBe("'-5");
    expect(asText('@home')).toBe("'@home");
    expect(asText('Cool Cars')).toBe('Cool Cars');
  });

  it('maps a result to qb_* cells: errors cleared on success, bill columns only for money out', () => {
    expect(
      cellsFor({
        rowId: 'a',
        sheetRow: 2,
        status: 'synced',
        invoiceId: '7',
        invoiceUrl: 'u',
        syncedAt: 't',
        warnings: [],
      }),
    ).toEqual({
      qb_sync_status: 'synced',
      qb_invoice_id: '7',
      qb_invoice_url: 'u',
      qb_synced_at: 't',
      qb_error: '',
    });
    expect(
      cellsFor({
        rowId: 'b',
        sheetRow: 3,
        status: 'skipped',
        direction: 'money_out',
        billStatus: 'skipped',
        error: 'off',
        billError: 'off',
        warnings: [],
      }),
    ).toEqual({
      qb_sync_status: 'skipped',
      qb_error: 'off',
      qb_bill_status: 'skipped',
      qb_bill_error: 'off',
    });
    // Validation never touches the status.
    expect(cellsFor({ rowId: 'c', sheetRow: 4, status: 'ok', error: 'bad', warnings: [] })).toEqual({
      qb_error: 'bad',
    });
  });

  it('pivots QBR metric rows: a row per month, a column per metric, numbers as numbers', () => {
    const table = metricsTable([
      { period: '2026-02', metric_name: 'nrr', metric_value: '100.50', data_source: 'quickbooks' },
      { period: '2026-01', metric_name: 'nrr', metric_value: '90', data_source: 'quickbooks' },
      { period: '2026-01', metric_name: 'employees', metric_value: '4', data_source: 'quickbooks' },
    ]);
    expect(table).toEqual([
      ['period', 'employees', 'nrr'],
      ['2026-01', 4, 90],
      ['2026-02', '', 100.5],
    ]);
    expect(monthsBack(new Date(Date.UTC(2026, 1, 15)), 12)).toEqual({ from: '2025-03', to: '2026-02' });
  });

  it('checks the settings form with sentences', () => {
    expect(checkSettingsForm({ gatewayUrl: 'https://qb-bridge.example.com' })).toBeUndefined();
    expect(checkSettingsForm({ gatewayUrl: 'http://127.0.0.1:8787' })).toBeUndefined();
    expect(checkSettingsForm({ gatewayUrl: 'http://evil.example' })).toMatch(/https/);
    expect(checkSettingsForm({ addonKey: 'hunter2' })).toMatch(/addon-key/);
    expect(checkSettingsForm({ syncMode: 'both' })).toMatch(/invoice_only or dual/);
  });
});
