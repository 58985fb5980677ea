/**
 * The emulator's companies, one per realm: created (and seeded) the first time a realm is used, as Intuit's
 * sandbox companies exist before an app connects to them.
 */
import type { EmulatorClock } from './clock';
import { Company } from './company';
import type { OperationContext } from './entities/common';
import { seedCompany } from './seed';

export class Companies implements Iterable<Company> {
  private readonly byRealm = new Map<string, Company>();
  private customTxnNumbers = true;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly homeRealmId: string,
    private readonly homeCompanyName: string,
    private readonly seed: boolean,
  ) {
    this.ensure(homeRealmId);
  }

  get(realmId: string): Company | undefined {
    return this.byRealm.get(realmId);
  }

  /** The home company first (the emulator's web pages list it on top), then the others as they came. */
  *[Symbol.iterator](): Iterator<Company> {
    const home = this.byRealm.get(this.homeRealmId);
    if (home) yield home;
    for (const company of this.byRealm.values()) if (company !== home) yield company;
  }

  /** A write as of now that sees every committed row (no query lag) and refuses duplicate numbers. */
  contextFor(company: Company): OperationContext {
    return {
      company,
      nowMs: this.clock.now(),
      visibleSeq: Number.POSITIVE_INFINITY,
      allowDuplicateDocNum: false,
    };
  }

  ensure(realmId: string): Company {
    let company = this.byRealm.get(realmId);
    if (!company) {
      company = new Company(realmId);
      company.customTxnNumbers = this.customTxnNumbers;
      this.byRealm.set(realmId, company);
      const name = realmId === this.homeRealmId ? this.homeCompanyName : `Sandbox Company ${realmId}`;
      seedCompany(this.contextFor(company), name, this.seed);
      // Seeds are committed "long ago" (time 0); everything after is stamped for the query lag.
      company.clock = this.clock.now;
    }
    return company;
  }

  setCustomTxnNumbers(on: boolean): void {
    this.customTxnNumbers = on;
    for (const company of this.byRealm.values()) company.customTxnNumbers = on;
  }
}
