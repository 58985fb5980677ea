/** The dashboard's one stylesheet, served at /assets/dashboard.css (no CDN, no inline styles: CSP). */
export const dashboardCss = `
:root { --fg: #1b1f24; --muted: #4f5965; --line: #d5dbe1; --bg: #f6f8fa; --ok: #146c2e; --bad: #a4161a;
  --warn: #7a4d00; --accent: #0b57d0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #7aa7f5; outline-offset: 1px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
header.top { display: flex; align-items: center; gap: 1.5rem; background: #fff; border-bottom: 1px solid var(--line);
  padding: .6rem 1.2rem; flex-wrap: wrap; }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
nav.main ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
nav.main a[aria-current="page"] { font-weight: 700; color: var(--fg); }
header.top form { margin-left: auto; }
main { max-width: 1180px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
section.card, article.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1rem;
  margin-bottom: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 1rem; }
.cards article.card { margin: 0; }
.cards h3 { margin: 0 0 .4rem; font-size: 1.05rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: .4rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .93rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 9px; font-size: .85rem; border: 1px solid; }
.badge.ok { color: var(--ok); } .badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); }
.badge.muted { color: var(--muted); }
.notice { padding: .6rem .9rem; border-radius: 6px; margin: .6rem 0 1rem; border: 1px solid; background: #fff; }
.notice.ok { border-color: var(--ok); color: var(--ok); }
.notice.error, .notice.warn { border-color: var(--bad); color: var(--bad); }
.warning { color: var(--warn); }
.error-text, .field-error { color: var(--bad); }
.field-error { display: block; font-size: .88rem; }
.muted { color: var(--muted); }
form.inline { display: inline; }
form.row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: flex-end; margin: .4rem 0; }
label { display: block; font-size: .9rem; color: var(--muted); }
input, select { font: inherit; padding: .3rem .4rem; border: 1px solid #8a949e; border-radius: 4px; background: #fff;
  color: var(--fg); }
input[aria-invalid="true"], select[aria-invalid="true"] { border-color: var(--bad); }
button, .button { font: inherit; padding: .32rem .8rem; border-radius: 4px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
nav.pager { display: flex; gap: 1rem; align-items: center; margin: .6rem 0; }
.login { max-width: 360px; margin: 4rem auto; }
.login input { width: 100%; margin-bottom: .8rem; }
.chart { min-height: 260px; margin-bottom: 1rem; }
.token { font-family: ui-monospace, monospace; background: #eef1f4; padding: .4rem; word-break: break-all; }
progress { width: 100%; }
`;
