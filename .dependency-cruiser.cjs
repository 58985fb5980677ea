/**
 * The house rules for imports (ARCHITECTURE.md, "Invariants"), checked by `npm run lint`:
 * no cycles; flows never import each other; flows reach QuickBooks through `qbo/index.ts` only;
 * `shared/` imports nothing of either side; the add-on never imports the gateway.
 * Type-only imports count: a cycle through a type is still a knot a reader has to untie.
 */
// The dashboard (web/) is not a flow: it is the shell that shows every flow, like server/.
const flows = '(sheets|mis|zimbra|qbwc)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle: break it with a type in its own file or by turning one dependency around.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'flows-never-import-flows',
      severity: 'error',
      comment: 'Flows are independent; what two flows share belongs in qbo/, jobs/, store/ or shared/.',
      from: { path: `^gateway/src/${flows}/` },
      to: { path: `^gateway/src/${flows}/`, pathNot: '^gateway/src/$1/' },
    },
    {
      name: 'flows-use-the-qbo-door',
      severity: 'error',
      comment:
        'A flow writes to QuickBooks through qbo/index.ts (the ledger and the limiter), never around it.',
      from: { path: `^gateway/src/${flows}/` },
      to: { path: '^gateway/src/qbo/', pathNot: '^gateway/src/qbo/index\\.ts$' },
    },
    {
      name: 'shared-stands-alone',
      severity: 'error',
      comment: 'shared/ is pure TypeScript used by both sides; it imports neither.',
      from: { path: '^shared/' },
      to: { path: '^(gateway|addon)/' },
    },
    {
      name: 'flows-reach-the-dashboard-through-page-module',
      severity: 'error',
      comment:
        'A flow adds its dashboard page through web/page-module.ts (kit, widgets, paging); the rest of web/ is the shell.',
      from: { path: `^gateway/src/${flows}/` },
      to: { path: '^gateway/src/web/', pathNot: '^gateway/src/web/page-module\\.ts$' },
    },
    {
      name: 'addon-talks-http',
      severity: 'error',
      comment: 'The add-on runs in Apps Script and talks to the gateway over HTTP only.',
      from: { path: '^addon/' },
      to: { path: '^gateway/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^|/)(node_modules|dist)/' },
  },
};
