/**
 * The demo company: deterministic ids, built through the same save rules as API calls so seeded records
 * have exactly the shapes the API returns. Customer 1 is "Amy's Bird Sanctuary", item 1 is "Services".
 */
import { metaTime } from './clock';
import type { Company } from './company';
import type { OperationContext } from './entities/common';
import { saveAccount, saveItem, savePerson } from './entities/names';

const accounts = [
  { Name: 'Services', AccountType: 'Income', AccountSubType: 'ServiceFeeIncome' },
  { Name: 'Sales of Product Income', AccountType: 'Income', AccountSubType: 'SalesOfProductIncome' },
  {
    Name: 'Accounts Receivable (A/R)',
    AccountType: 'Accounts Receivable',
    AccountSubType: 'AccountsReceivable',
  },
  { Name: 'Accounts Payable (A/P)', AccountType: 'Accounts Payable', AccountSubType: 'AccountsPayable' },
  { Name: 'Checking', AccountType: 'Bank', AccountSubType: 'Checking' },
  { Name: 'Advertising', AccountType: 'Expense', AccountSubType: 'AdvertisingPromotional' },
  { Name: 'Office Expenses', AccountType: 'Expense', AccountSubType: 'OfficeGeneralAdministrativeExpenses' },
  { Name: 'Rent or Lease', AccountType: 'Expense', AccountSubType: 'RentOrLeaseOfBuildings' },
  { Name: 'Utilities', AccountType: 'Expense', AccountSubType: 'Utilities' },
  { Name: 'Legal & Professional Fees', AccountType: 'Expense', AccountSubType: 'LegalProfessionalFees' },
  { Name: 'Software Subscriptions', AccountType: 'Expense', AccountSubType: 'OtherMiscellaneousServiceCost' },
  { Name: 'Cost of Goods Sold', AccountType: 'Cost of Goods Sold', AccountSubType: 'SuppliesMaterialsCogs' },
];

const items = [
  { Name: 'Services', Description: 'General services', UnitPrice: 100 },
  { Name: 'Hours', Description: 'Hourly consulting', UnitPrice: 75 },
  { Name: 'Design', Description: 'Custom design', UnitPrice: 75 },
  { Name: 'Email Hosting', Description: 'Mailbox hosting, per mailbox per month', UnitPrice: 4.5 },
  { Name: 'Storage 50GB', Description: 'Additional mailbox storage, 50 GB block', UnitPrice: 12.25 },
  { Name: 'Tuition', Description: 'Tuition fee', UnitPrice: 1250 },
];

const address = (Id: string, Line1: string, City: string, PostalCode: string) => ({
  Id,
  Line1,
  City,
  CountrySubDivisionCode: 'CA',
  PostalCode,
  Lat: 'INVALID',
  Long: 'INVALID',
});

const customers = [
  {
    DisplayName: "Amy's Bird Sanctuary",
    GivenName: 'Amy',
    FamilyName: 'Lauterbach',
    CompanyName: "Amy's Bird Sanctuary",
    PrimaryEmailAddr: { Address: 'Birds@Intuit.com' },
    BillAddr: address('2', '4581 Finch St.', 'Bayshore', '94326'),
  },
  {
    DisplayName: "Bill's Windsurf Shop",
    CompanyName: "Bill's Windsurf Shop",
    BillAddr: address('3', '12 Ocean Dr.', 'Half Moon Bay', '94213'),
  },
  {
    DisplayName: 'Cool Cars',
    CompanyName: 'Cool Cars',
    BillAddr: address('4', '65 Ocean Dr.', 'Half Moon Bay', '94213'),
  },
  {
    DisplayName: 'Diego Rodriguez',
    GivenName: 'Diego',
    FamilyName: 'Rodriguez',
    BillAddr: address('5', '321 Channing', 'Palo Alto', '94303'),
  },
  {
    DisplayName: 'Dukes Basketball Camp',
    CompanyName: 'Dukes Basketball Camp',
    BillAddr: address('6', '25 Court St.', 'Tucson', '85719'),
  },
  {
    DisplayName: 'Freeman Sporting Goods',
    CompanyName: 'Freeman Sporting Goods',
    BillAddr: address('7', '370 Easy St.', 'Middlefield', '94482'),
  },
  {
    DisplayName: 'Geeta Kalapatapu',
    GivenName: 'Geeta',
    FamilyName: 'Kalapatapu',
    BillAddr: address('8', '1987 Pear St.', 'Middlefield', '94482'),
  },
  {
    DisplayName: 'Weiskopf Consulting',
    CompanyName: 'Weiskopf Consulting',
    BillAddr: address('9', '45612 Main St.', 'Bayshore', '94326'),
  },
];

const vendors = [
  { DisplayName: 'Books by Bessie', CompanyName: 'Books by Bessie' },
  { DisplayName: 'Great Statewide Bank', CompanyName: 'Great Statewide Bank' },
  { DisplayName: 'Hicks Hardware', CompanyName: 'Hicks Hardware' },
  { DisplayName: 'Pacific Hosting Co', CompanyName: 'Pacific Hosting Co' },
];

/** Adds CompanyInfo; with `demo`, also the lists above. */
export function seedCompany(ctx: OperationContext, companyName: string, demo: boolean): void {
  const company: Company = ctx.company;
  const stamp = metaTime(ctx.nowMs);
  company.insert('CompanyInfo', {
    CompanyName: companyName,
    LegalName: companyName,
    CompanyAddr: {
      Id: '1',
      Line1: '123 Sierra Way',
      City: 'San Pablo',
      CountrySubDivisionCode: 'CA',
      PostalCode: '87999',
    },
    Country: 'US',
    Email: { Address: 'noreply@quickbooks.com' },
    FiscalYearStartMonth: 'January',
    SupportedLanguages: 'en',
    domain: 'QBO',
    sparse: false,
    Id: company.allocateId('CompanyInfo'),
    SyncToken: '0',
    MetaData: { CreateTime: stamp, LastUpdatedTime: stamp },
  });
  // Even an empty company has the default A/P and income accounts a Bill or Item needs.
  const accountList = demo
    ? accounts
    : accounts.filter((a) => a.Name === 'Services' || a.AccountType === 'Accounts Payable');
  for (const account of accountList) saveAccount(ctx, account, false);
  if (!demo) return;
  for (const item of items)
    saveItem(ctx, { ...item, Type: 'Service', IncomeAccountRef: { value: '1' } }, false);
  for (const customer of customers) savePerson(ctx, 'Customer', customer, false);
  for (const vendor of vendors) savePerson(ctx, 'Vendor', vendor, false);
}
