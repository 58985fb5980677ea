import { describe, expect, it } from 'vitest';
import { emulatorWithToken, firstError, query } from './helpers';

const checking = '5';
const officeExpenses = '7';
const vendor = '9';

async function billOf(api: ReturnType<typeof emulatorWithToken>['api'], amount: number) {
  const created = await api('POST', 'bill', {
    VendorRef: { value: vendor },
    TxnDate: '2026-03-02',
    Line: [
      {
        DetailType: 'AccountBasedExpenseLineDetail',
        Amount: amount,
        AccountBasedExpenseLineDetail: { AccountRef: { value: officeExpenses } },
      },
    ],
  });
  expect(created.status).toBe(200);
  return created.json.Bill as Record<string, unknown>;
}

const payment = (billId: unknown, amount: number, extra: Record<string, unknown> = {}) => ({
  VendorRef: { value: vendor },
  PayType: 'Check',
  CheckPayment: { BankAccountRef: { value: checking } },
  TxnDate: '2026-03-10',
  TotalAmt: amount,
  Line: [{ Amount: amount, LinkedTxn: [{ TxnId: billId, TxnType: 'Bill' }] }],
  ...extra,
});

describe('emulator BillPayment', () => {
  it('records a check payment in Intuit’s shape, lowers the bill’s Balance and links both ways', async () => {
    const { api } = emulatorWithToken();
    const bill = await billOf(api, 120.5);
    const paid = await api('POST', 'billpayment', payment(bill.Id, 100));
    expect(paid.status).toBe(200);
    const created = paid.json.BillPayment as Record<string, unknown>;
    expect(created).toMatchObject({
      VendorRef: { value: vendor },
      PayType: 'Check',
      CheckPayment: { BankAccountRef: { value: checking, name: 'Checking' }, PrintStatus: 'NeedToPrint' },
      TotalAmt: 100,
      SyncToken: '0',
      TxnDate: '2026-03-10',
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] }],
    });
    expect(typeof created.Id).toBe('string');
    const after = (await api('GET', `bill/${String(bill.Id)}`)).json.Bill as Record<string, unknown>;
    expect(after.Balance).toBe(20.5);
    expect(after.SyncToken).toBe('1');
    expect(after.LinkedTxn).toEqual([{ TxnId: created.Id, TxnType: 'BillPayment' }]);
    // Read and query find it like any transaction, by vendor and date too (how a lost answer is settled).
    const read = await api('GET', `billpayment/${String(created.Id)}`);
    expect((read.json.BillPayment as Record<string, unknown>).Id).toBe(created.Id);
    const found = await api(
      'GET',
      'query',
      undefined,
      query(`select * from BillPayment where VendorRef = '${vendor}' and TxnDate = '2026-03-10'`),
    );
    const rows = (found.json.QueryResponse as { BillPayment?: unknown[] }).BillPayment ?? [];
    expect(rows).toHaveLength(1);
  });

  it('records a credit-card payment against a Credit Card account', async () => {
    const { api, emulator } = emulatorWithToken();
    const card = emulator.create(emulator.realmId, 'Account', {
      Name: 'Company Visa',
      AccountType: 'Credit Card',
      AccountSubType: 'CreditCard',
    });
    const bill = await billOf(api, 64);
    const paid = await api('POST', 'billpayment', {
      ...payment(bill.Id, 64),
      PayType: 'CreditCard',
      CheckPayment: undefined,
      CreditCardPayment: { CCAccountRef: { value: card.Id } },
    });
    expect(paid.status).toBe(200);
    expect(paid.json.BillPayment).toMatchObject({
      PayType: 'CreditCard',
      CreditCardPayment: { CCAccountRef: { value: card.Id, name: 'Company Visa' } },
      TotalAmt: 64,
    });
    expect(((await api('GET', `bill/${String(bill.Id)}`)).json.Bill as Record<string, unknown>).Balance).toBe(
      0,
    );
  });

  it('refuses a payment larger than what the bill still owes with a 6000, and changes nothing', async () => {
    const { api } = emulatorWithToken();
    const bill = await billOf(api, 50);
    expect((await api('POST', 'billpayment', payment(bill.Id, 30))).status).toBe(200);
    const over = await api('POST', 'billpayment', payment(bill.Id, 30));
    expect(over.status).toBe(400);
    expect((over.json.Fault as { type: string }).type).toBe('ValidationFault');
    expect(firstError(over.json)).toMatchObject({ code: '6000', element: 'Line.Amount' });
    expect(String(firstError(over.json).Detail)).toContain('20.00 still open on Bill');
    const after = (await api('GET', `bill/${String(bill.Id)}`)).json.Bill as Record<string, unknown>;
    expect(after.Balance).toBe(20);
  });

  it('refuses another vendor’s bill, a non-bank account and a missing PayType', async () => {
    const { api } = emulatorWithToken();
    const bill = await billOf(api, 10);
    const otherVendor = await api(
      'POST',
      'billpayment',
      payment(bill.Id, 10, { VendorRef: { value: '10' } }),
    );
    expect(firstError(otherVendor.json).code).toBe('2500');
    const expenseAccount = await api(
      'POST',
      'billpayment',
      payment(bill.Id, 10, { CheckPayment: { BankAccountRef: { value: officeExpenses } } }),
    );
    expect(firstError(expenseAccount.json)).toMatchObject({ code: '6000' });
    const { PayType: _dropped, ...noPayType } = payment(bill.Id, 10);
    expect(firstError((await api('POST', 'billpayment', noPayType)).json).code).toBe('2020');
  });

  it('a client holding the bill’s SyncToken from before the payment gets 5010 on update', async () => {
    const { api } = emulatorWithToken();
    const bill = await billOf(api, 10);
    await api('POST', 'billpayment', payment(bill.Id, 10));
    const stale = await api('POST', 'bill', {
      Id: bill.Id,
      SyncToken: bill.SyncToken,
      sparse: true,
      PrivateNote: 'edited',
    });
    expect(firstError(stale.json).code).toBe('5010');
  });
});
