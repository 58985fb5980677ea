import { describe, expect, it } from 'vitest';
import { emulatorWithToken, firstError } from './helpers';

const serviceLine = (amount: number, extra: Record<string, unknown> = {}) => ({
  Amount: amount,
  DetailType: 'SalesItemLineDetail',
  SalesItemLineDetail: { ItemRef: { value: '1' }, ...extra },
});

describe('emulator entities', () => {
  it('creates an invoice the way QBO does: SubTotal line, ref names, defaults, totals in cents', async () => {
    const { api } = emulatorWithToken({ now: () => Date.parse('2026-01-31T20:00:00Z') });
    const result = await api('POST', 'invoice', {
      CustomerRef: { value: '1' },
      DocNumber: 'INV-1',
      Line: [serviceLine(0.3, { Qty: 3, UnitPrice: 0.1 }), serviceLine(10.05)],
    });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const invoice = result.json.Invoice as Record<string, unknown>;
    expect(invoice).toMatchObject({
      Id: expect.any(String),
      SyncToken: '0',
      DocNumber: 'INV-1',
      TxnDate: '2026-01-31',
      DueDate: '2026-03-02',
      TotalAmt: 10.35,
      Balance: 10.35,
      EmailStatus: 'NotSet',
      PrintStatus: 'NeedToPrint',
      CustomerRef: { value: '1', name: "Amy's Bird Sanctuary" },
    });
    const lines = invoice.Line as Array<Record<string, unknown>>;
    expect(lines.map((l) => l.LineNum)).toEqual([1, 2, undefined]);
    expect(lines[2]).toEqual({ Amount: 10.35, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
    expect(lines[0]?.SalesItemLineDetail).toMatchObject({ ItemRef: { value: '1', name: 'Services' } });
    const read = await api('GET', `invoice/${String(invoice.Id)}`);
    expect(read.json.Invoice).toEqual(invoice);
  });

  it('echoes DocNumber when custom numbers are on and auto-numbers, keeping a prefix, when off', async () => {
    const { api, emulator } = emulatorWithToken();
    const none = await api('POST', 'invoice', { CustomerRef: { value: '2' }, Line: [serviceLine(5)] });
    expect(none.json.Invoice).not.toHaveProperty('DocNumber');
    await api('POST', 'invoice', {
      CustomerRef: { value: '2' },
      DocNumber: 'App_1000',
      Line: [serviceLine(5)],
    });
    expect(
      ((await api('GET', 'preferences')).json.Preferences as Record<string, unknown>).SalesFormsPrefs,
    ).toMatchObject({
      CustomTxnNumbers: true,
    });
    emulator.setCustomTxnNumbers(false);
    const prefs = (await api('GET', 'preferences')).json.Preferences as Record<string, unknown>;
    expect(prefs.SalesFormsPrefs).toMatchObject({ CustomTxnNumbers: false });
    const auto = await api('POST', 'invoice', { CustomerRef: { value: '2' }, Line: [serviceLine(5)] });
    expect((auto.json.Invoice as Record<string, unknown>).DocNumber).toBe('App_1001');
  });

  it('rejects a duplicate DocNumber with 6140 naming the existing TxnId, unless duplicates are allowed', async () => {
    const { api } = emulatorWithToken();
    const first = await api('POST', 'invoice', {
      CustomerRef: { value: '1' },
      DocNumber: 'O0010714',
      Line: [serviceLine(1)],
    });
    const id = String((first.json.Invoice as Record<string, unknown>).Id);
    const dup = await api('POST', 'invoice', {
      CustomerRef: { value: '3' },
      DocNumber: 'O0010714',
      Line: [serviceLine(2)],
    });
    expect(dup.status).toBe(400);
    const error = firstError(dup.json);
    expect(error.code).toBe('6140');
    expect(String(error.Detail)).toMatch(
      new RegExp(`DocNumber=O0010714 is assigned to TxnType=Invoice with TxnId=${id}$`),
    );
    const allowed = await api(
      'POST',
      'invoice',
      { CustomerRef: { value: '3' }, DocNumber: 'O0010714', Line: [serviceLine(2)] },
      { include: 'allowduplicatedocnum' },
    );
    expect(allowed.status).toBe(200);
  });

  it('answers the validation codes QBO uses: 2020, 2500, 6070, 2050, 2010, 2310', async () => {
    const { api } = emulatorWithToken();
    const cases: Array<[unknown, string, string | undefined]> = [
      [{ CustomerRef: { value: '1' } }, '2020', 'Line'],
      [{ Line: [serviceLine(1)] }, '2020', 'CustomerRef'],
      [
        {
          CustomerRef: { value: '1' },
          Line: [{ ...serviceLine(1), SalesItemLineDetail: { ItemRef: { value: '999' } } }],
        },
        '2500',
        'Line.SalesItemLineDetail.ItemRef',
      ],
      [{ CustomerRef: { value: '999' }, Line: [serviceLine(1)] }, '2500', 'CustomerRef'],
      [
        { CustomerRef: { value: '1' }, Line: [serviceLine(100, { Qty: 3, UnitPrice: 33.33 })] },
        '6070',
        'Line.Amount',
      ],
      [
        { CustomerRef: { value: '1' }, DocNumber: 'X'.repeat(22), Line: [serviceLine(1)] },
        '2050',
        'DocNumber',
      ],
      [{ CustomerRef: { value: '1' }, Colour: 'red', Line: [serviceLine(1)] }, '2010', ''],
      ['', '2310', ''],
    ];
    for (const [body, code, element] of cases) {
      const result = await api('POST', 'invoice', body === '' ? undefined : body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      const error = firstError(result.json);
      expect(error.code, JSON.stringify(body)).toBe(code);
      if (element !== undefined) expect(error.element).toBe(element);
    }
    const ok = await api('POST', 'invoice', {
      CustomerRef: { value: '1' },
      Line: [serviceLine(99.99, { Qty: 3, UnitPrice: 33.33 })],
    });
    expect(ok.status).toBe(200);
  });

  it('sparse-updates with the current SyncToken and answers 5010 for a stale one', async () => {
    const { api } = emulatorWithToken();
    const created = (await api('POST', 'invoice', { CustomerRef: { value: '1' }, Line: [serviceLine(7)] }))
      .json.Invoice as Record<string, unknown>;
    const updated = await api('POST', 'invoice', {
      Id: created.Id,
      SyncToken: '0',
      sparse: true,
      PrivateNote: 'hello',
    });
    expect(updated.status).toBe(200);
    expect(updated.json.Invoice).toMatchObject({ SyncToken: '1', PrivateNote: 'hello', TotalAmt: 7 });
    const stale = await api('POST', 'invoice', {
      Id: created.Id,
      SyncToken: '0',
      sparse: true,
      PrivateNote: 'x',
    });
    expect(firstError(stale.json).code).toBe('5010');
  });

  it('deletes and voids invoices; deleting a missing one is 610', async () => {
    const { api } = emulatorWithToken();
    const make = async () =>
      (await api('POST', 'invoice', { CustomerRef: { value: '1' }, Line: [serviceLine(20)] })).json
        .Invoice as Record<string, unknown>;
    const a = await make();
    const deleted = await api('POST', 'invoice', { Id: a.Id, SyncToken: '0' }, { operation: 'delete' });
    expect(deleted.json.Invoice).toEqual({ status: 'Deleted', domain: 'QBO', Id: a.Id });
    const again = await api('POST', 'invoice', { Id: a.Id, SyncToken: '0' }, { operation: 'delete' });
    expect(firstError(again.json).code).toBe('610');
    expect((await api('GET', `invoice/${String(a.Id)}`)).status).toBe(400);
    const b = await make();
    const voided = await api('POST', 'invoice', { Id: b.Id, SyncToken: '0' }, { operation: 'void' });
    expect(voided.json.Invoice).toMatchObject({
      Id: b.Id,
      TotalAmt: 0,
      Balance: 0,
      PrivateNote: 'Voided',
      SyncToken: '1',
    });
  });

  it('creates a bill with account and item lines, default A/P and no SubTotal line', async () => {
    const { api } = emulatorWithToken();
    const result = await api('POST', 'bill', {
      VendorRef: { value: '9' },
      DocNumber: '17',
      Line: [
        {
          DetailType: 'AccountBasedExpenseLineDetail',
          Amount: 700,
          AccountBasedExpenseLineDetail: { AccountRef: { value: '6' } },
        },
        {
          DetailType: 'ItemBasedExpenseLineDetail',
          Amount: 55.12,
          ItemBasedExpenseLineDetail: { ItemRef: { value: '2' } },
        },
      ],
    });
    expect(result.status).toBe(200);
    const bill = result.json.Bill as Record<string, unknown>;
    expect(bill).toMatchObject({
      VendorRef: { value: '9', name: 'Books by Bessie' },
      APAccountRef: { value: '4', name: 'Accounts Payable (A/P)' },
      TotalAmt: 755.12,
      Balance: 755.12,
    });
    expect((bill.Line as unknown[]).length).toBe(2);
    expect(firstError((await api('POST', 'bill', { Line: bill.Line })).json)).toMatchObject({
      code: '2020',
      element: 'VendorRef',
    });
    const dupOtherVendor = await api('POST', 'bill', {
      VendorRef: { value: '10' },
      DocNumber: '17',
      Line: [bill.Line as unknown[]][0],
    });
    expect(dupOtherVendor.status).toBe(200);
    const dupSameVendor = await api('POST', 'bill', {
      VendorRef: { value: '9' },
      DocNumber: '17',
      Line: bill.Line,
    });
    expect(firstError(dupSameVendor.json).code).toBe('6140');
  });

  it('keeps DisplayName unique across customers, vendors and employees, inactive included (6240)', async () => {
    const { api, emulator } = emulatorWithToken();
    expect(
      firstError((await api('POST', 'customer', { DisplayName: 'Weiskopf Consulting' })).json).code,
    ).toBe('6240');
    expect(firstError((await api('POST', 'customer', { DisplayName: 'books by bessie' })).json).code).toBe(
      '6240',
    );
    emulator.addEmployee(emulator.realmId, 'Emily Platt');
    expect(firstError((await api('POST', 'vendor', { DisplayName: 'Emily Platt' })).json).code).toBe('6240');
    const made = (await api('POST', 'customer', { DisplayName: 'Doe5, Jane' })).json.Customer as Record<
      string,
      unknown
    >;
    await api('POST', 'customer', { Id: made.Id, SyncToken: '0', sparse: true, Active: false });
    expect(firstError((await api('POST', 'customer', { DisplayName: 'Doe5, Jane' })).json).code).toBe('6240');
    const colon = await api('POST', 'customer', { DisplayName: 'Parent:Child' });
    expect(colon.status).toBe(400);
    expect(String(firstError(colon.json).Detail)).toContain('colon');
  });

  it('treats names as never deleted and reads CompanyInfo by realm id', async () => {
    const { api, emulator } = emulatorWithToken();
    const del = await api('POST', 'customer', { Id: '1', SyncToken: '0' }, { operation: 'delete' });
    expect(firstError(del.json).code).toBe('500');
    const info = await api('GET', `companyinfo/${emulator.realmId}`);
    expect(info.json.CompanyInfo).toMatchObject({ CompanyName: 'Sandbox Company_US_1', Country: 'US' });
  });

  it('frees a DisplayName after a rename and a DocNumber after a delete', async () => {
    const { api } = emulatorWithToken();
    const renamed = await api('POST', 'customer', {
      Id: '3',
      SyncToken: '0',
      sparse: true,
      DisplayName: 'Cool Cars Inc',
    });
    expect(renamed.json.Customer).toMatchObject({
      DisplayName: 'Cool Cars Inc',
      FullyQualifiedName: 'Cool Cars Inc',
    });
    expect((await api('POST', 'vendor', { DisplayName: 'Cool Cars' })).status).toBe(200);
    expect(firstError((await api('POST', 'customer', { DisplayName: ' cool  cars inc ' })).json).code).toBe(
      '6240',
    );

    const inv = (
      await api('POST', 'invoice', { CustomerRef: { value: '1' }, DocNumber: 'D-1', Line: [serviceLine(1)] })
    ).json.Invoice as Record<string, unknown>;
    await api('POST', 'invoice', { Id: inv.Id, SyncToken: '0' }, { operation: 'delete' });
    expect(
      (
        await api('POST', 'invoice', {
          CustomerRef: { value: '1' },
          DocNumber: 'D-1',
          Line: [serviceLine(1)],
        })
      ).status,
    ).toBe(200);
  });

  it('creates items and accounts with unique names and resolves their references', async () => {
    const { api } = emulatorWithToken();
    const account = await api('POST', 'account', { Name: 'Hosting Costs', AccountType: 'Expense' });
    expect(account.json.Account).toMatchObject({ Classification: 'Expense', Active: true, SyncToken: '0' });
    const item = await api('POST', 'item', {
      Name: 'Archive Mailbox',
      Type: 'Service',
      UnitPrice: 2.5,
      IncomeAccountRef: { value: '1' },
    });
    expect(item.json.Item).toMatchObject({
      Name: 'Archive Mailbox',
      UnitPrice: 2.5,
      IncomeAccountRef: { value: '1', name: 'Services' },
    });
    expect(
      firstError((await api('POST', 'item', { Name: 'services', IncomeAccountRef: { value: '1' } })).json)
        .code,
    ).toBe('6240');
    expect(firstError((await api('POST', 'item', { Name: 'No Income' })).json)).toMatchObject({
      code: '2020',
      element: 'IncomeAccountRef',
    });
    const itemId = String((item.json.Item as Record<string, unknown>).Id);
    const invoice = await api('POST', 'invoice', {
      CustomerRef: { value: '4' },
      Line: [
        {
          Amount: 7.5,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: itemId }, Qty: 3, UnitPrice: 2.5 },
        },
      ],
    });
    expect(invoice.json.Invoice).toMatchObject({ TotalAmt: 7.5 });
    await api('POST', 'item', { Id: itemId, SyncToken: '0', sparse: true, Active: false });
    const inactive = await api('POST', 'invoice', {
      CustomerRef: { value: '4' },
      Line: [{ ...serviceLine(1), SalesItemLineDetail: { ItemRef: { value: itemId } } }],
    });
    expect(firstError(inactive.json)).toMatchObject({
      code: '2500',
      element: 'Line.SalesItemLineDetail.ItemRef',
    });
  });

  it('returns InvoiceLink only on reads with include=invoiceLink for payable, e-mailed invoices', async () => {
    const { api } = emulatorWithToken({ publicUrl: 'http://127.0.0.1:8788' });
    const created = await api('POST', 'invoice', {
      CustomerRef: { value: '1' },
      AllowOnlineCreditCardPayment: true,
      BillEmail: { Address: 'birds@example.com' },
      Line: [serviceLine(12)],
    });
    const invoice = created.json.Invoice as Record<string, unknown>;
    expect(invoice).not.toHaveProperty('InvoiceLink');
    const read = await api('GET', `invoice/${String(invoice.Id)}`, undefined, { include: 'invoiceLink' });
    const link = String((read.json.Invoice as Record<string, unknown>).InvoiceLink);
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:8788\/comm\/invoice\//);
    const plain = await api('GET', `invoice/${String(invoice.Id)}`);
    expect(plain.json.Invoice).not.toHaveProperty('InvoiceLink');
  });
});
