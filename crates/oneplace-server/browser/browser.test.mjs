// Browser tests of the oneplace web application: Debian's Chromium driven by
// playwright-core, each page checked with axe-core (WCAG 2.x A and AA).
//
// Run from this directory after `cargo build -p oneplace-cli`:
//
//   npm ci && npm test
//
// ONEPLACE_BIN names the binary (default: the workspace's target/debug/oneplace);
// CHROMIUM names the browser (default: /usr/bin/chromium). Screenshots of each
// step are written to artifacts/ (kept out of git).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const repo = join(here, '..', '..', '..');
const bin = process.env.ONEPLACE_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(repo, 'target'), 'debug', 'oneplace');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const extract = readFileSync(join(repo, 'examples/ledger/import/icb-2025-05.csv'), 'utf8');
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

let server, base, browser, dir;
const passwords = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oneplace-browser-'));
  server = spawn(bin, ['serve', '--demo', '--db', join(dir, 'demo.db'), '--bind', '127.0.0.1:0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout });
  base = await new Promise((resolve, reject) => {
    server.on('exit', (code) => reject(new Error(`oneplace serve exited with ${code}`)));
    lines.on('line', (line) => {
      const words = line.trim().split(/\s+/);
      if (words[0] === 'northshire' || words[0] === 'westmere') passwords[words[1]] = words[words.length - 1];
      const m = line.match(/at (http:\/\/[^ ]+?)\/? \(Ctrl-C stops\)/);
      if (m) resolve(m[1]);
    });
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function logIn(username) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(passwords[username]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/p/**`);
  return page;
}

/** axe-core on the page as it stands: no WCAG 2.x A or AA violation. */
async function checkAccessible(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  assert.deepEqual(problems, [], `${name}: accessibility violations`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

test('the login page and every page a user visits pass axe-core', async () => {
  const context = await browser.newContext();
  const anon = await context.newPage();
  await anon.goto(`${base}/login`);
  await checkAccessible(anon, 'login');
  await shot(anon, '01-login');
  // The check does find problems: an unlabelled field and an image without
  // alternative text are reported.
  await anon.evaluate(() => {
    document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text"><img src="data:,">');
  });
  await assert.rejects(checkAccessible(anon, 'login, spoiled'), /label|image-alt/);
  await context.close();

  const page = await logIn('admin');
  for (const [name, path] of [
    ['overview', '/p/northshire'],
    ['monitoring', '/p/northshire/ledger/northshire-bcf'],
    ['appraisals', '/p/northshire/appraisals'],
    ['appraisal', '/p/northshire/appraisals/family-support'],
    ['document', '/p/northshire/documents/northshire-deal'],
    ['partner', '/p/northshire/partners/icb'],
    ['import', '/p/northshire/ledger/northshire-bcf/import'],
    ['audit', '/p/northshire/audit'],
    ['ucd', '/ucd?q=domestic+violence'],
    ['users', '/p/northshire/users'],
    ['new-document', '/p/northshire/documents-new'],
    ['account', '/account'],
    ['deal', '/p/northshire/deals/northshire-deal'],
    ['postings', '/p/northshire/ledger/northshire-bcf/postings?partner=icb'],
    ['contributions', '/p/northshire/ledger/northshire-bcf/contributions'],
    ['results', '/p/northshire/results/families-results'],
    ['estate', '/p/northshire/estate'],
    ['readiness', '/p/northshire/deals/northshire-deal/readiness/icb'],
    ['contribution-form', '/p/northshire/ledger/northshire-bcf/contributions/icb/nhs-minimum'],
  ]) {
    await page.goto(`${base}${path}`);
    await checkAccessible(page, name);
    await shot(page, `02-${name}`);
  }
  const westmere = await logIn('westmere-manager');
  await westmere.goto(`${base}/p/westmere/settlement/westmere-agreement`);
  assert.match(await westmere.locator('h1').innerText(), /settlement 2025\/26/);
  await checkAccessible(westmere, 'settlement');
  await shot(westmere, '02-settlement');
});

test('the overview shows the pool position and its alerts', async () => {
  const page = await logIn('viewer');
  // As `oneplace ledger report monitoring examples/ledger/northshire-bcf.journal` shows it.
  await assert.doesNotReject(page.getByText('£5,040,000.00', { exact: true }).waitFor());
  const alerts = await page.locator('li.alert').allInnerTexts();
  assert.equal(alerts.length, 2);
  assert.match(alerts[0], /Over budget: community-nursing/);
  assert.match(alerts[1], /Under budget: home-care/);
  // Keyboard: the skip link is the first stop and moves focus to main.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});

test('a finance lead posts an extract: an error reported by row, fixed, then the monitoring report', async () => {
  const page = await logIn('icb-lead');
  await page.goto(`${base}/p/northshire/ledger/northshire-bcf/import`);
  // The extract as a file, through the file input.
  await page.getByLabel('Extract file (CSV)').setInputFiles({
    name: 'icb-2025-05.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(extract.replace('NC4101', 'ZZ9999')),
  });
  await page.getByRole('button', { name: 'Check and preview' }).click();
  const alert = page.getByRole('alert');
  await assert.doesNotReject(alert.waitFor());
  const message = await alert.innerText();
  assert.match(message, /nothing was saved/);
  assert.match(message, /row 3/);
  assert.match(message, /ZZ9999/);
  await checkAccessible(page, 'import with an error');
  await shot(page, '03-import-error');

  await page.getByLabel('Extract file (CSV)').setInputFiles({
    name: 'icb-2025-05.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(extract),
  });
  await page.getByRole('button', { name: 'Check and preview' }).click();
  await assert.doesNotReject(page.getByText('15 rows: 15 new transactions, 0 already in the ledger.').waitFor());
  await shot(page, '04-import-preview');
  await page.getByRole('button', { name: 'Post 15 transactions' }).click();
  await page.waitForURL(/imported=15/);
  await assert.doesNotReject(page.getByText('The extract was posted: 15 new transactions.').waitFor());
  assert.match(await page.locator('h1').innerText(), /monitoring, 2025\/26 M02/);
  await shot(page, '05-monitoring-after-import');

  // Drill down from the Home First NHS line to its postings: April's
  // £98,000.00 and May's eight Home First rows (£97,066.15, summed by hand
  // from the CSV file).
  const lines = page.locator('section[aria-labelledby="s-lines"]');
  await lines.getByRole('row').filter({ hasText: 'nhs-minimum' }).first().getByRole('link', { name: 'home-first' }).click();
  await page.waitForURL(/\/postings\?/);
  assert.match(await page.locator('h1').innerText(), /Postings behind the line home-first, nhs-minimum, 2025\/26 M02/);
  assert.equal(await page.locator('#postings tbody tr').count(), 9);
  assert.equal(await page.locator('#postings-total').innerText(), '£195,066.15');
  assert.equal(await page.locator('#drill-report-actual').innerText(), '£195,066.15');
  await checkAccessible(page, 'postings of a line');
  await shot(page, '05b-postings');
});

test("a finance lead is refused another partner's edit", async () => {
  const page = await logIn('icb-lead');
  await page.goto(`${base}/p/northshire/partners/county-council`);
  // No form is offered …
  assert.equal(await page.locator('form.form').count(), 0);
  await shot(page, '06-other-partner');
  // … and posting the form anyway (as a crafted request with a valid token) is refused.
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  const status = await page.evaluate(async ([csrf]) => {
    const body = new URLSearchParams({ csrf, contact_name: 'Mallory', contact_email: 'm@example.org' });
    const r = await fetch('/p/northshire/partners/county-council', { method: 'POST', body });
    return r.status;
  }, [csrf]);
  assert.equal(status, 403);
  // The pool manager sees the refusal on the audit log.
  const manager = await logIn('pool-manager');
  await manager.goto(`${base}/p/northshire/audit`);
  const row = manager.locator('tr', { hasText: 'access.denied' }).first();
  assert.match(await row.innerText(), /icb-lead/);
  assert.match(await row.innerText(), /route:POST \/p\/northshire\/partners\/county-council/);
  await shot(manager, '07-audit-refusal');
});

test("a finance lead edits its own contribution and is refused another partner's", async () => {
  const page = await logIn('icb-lead');
  await page.goto(`${base}/p/northshire/ledger/northshire-bcf/contributions`);
  await checkAccessible(page, 'contributions');
  assert.equal(await page.getByRole('link', { name: /Edit county-council/ }).count(), 0);
  await page.getByRole('link', { name: "Edit icb's nhs-minimum contribution" }).click();
  await checkAccessible(page, 'contribution form');
  // A wrong amount is reported against its field; nothing is saved.
  await page.getByLabel('Contribution (gross)').fill('lots');
  await page.getByRole('button', { name: 'Save the contribution' }).click();
  await assert.doesNotReject(page.getByRole('alert').waitFor());
  assert.match(await page.getByRole('alert').innerText(), /is not an amount/);
  await checkAccessible(page, 'contribution form with an error');
  await page.getByLabel('Contribution (gross)').fill('£3,600,000');
  await page.getByLabel('Instalments', { exact: true }).selectOption('quarterly');
  await page.getByRole('button', { name: 'Save the contribution' }).click();
  await assert.doesNotReject(page.getByText('The contribution has been saved.').waitFor());
  await shot(page, '06b-contribution-saved');
  // Another partner's, as a crafted request with a valid token: refused.
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  const status = await page.evaluate(async ([csrf]) => {
    const body = new URLSearchParams({ csrf, year: '2025/26', amount: '£1', schedule: 'annual' });
    const r = await fetch('/p/northshire/ledger/northshire-bcf/contributions/county-council/la-grant', { method: 'POST', body });
    return r.status;
  }, [csrf]);
  assert.equal(status, 403);
});

test('a finance lead answers the readiness survey by keyboard and the deal pools it', async () => {
  const page = await logIn('icb-lead');
  await page.goto(`${base}/p/northshire/deals/northshire-deal`);
  await page.getByRole('link', { name: 'answer for Northshire Integrated Care Board' }).click();
  await page.waitForURL(/\/readiness\/icb$/);
  // examples/deal/readiness/icb.toml scores a sensible geography 2; the
  // arrow key moves the choice to 3.
  const group = page.getByRole('group', { name: /A sensible geography/ });
  const emerging = group.getByRole('radio', { name: '2: Emerging' });
  assert.equal(await emerging.isChecked(), true);
  await emerging.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await group.getByRole('radio', { name: '3: Developing' }).isChecked(), true);
  await page.getByRole('button', { name: 'Save the answers' }).click();
  await assert.doesNotReject(page.getByText('The answers have been saved.').waitFor());
  await checkAccessible(page, 'readiness survey saved');
  await shot(page, '06c-readiness-saved');
  // Pooled with the council's 3 and the police's 4: a mean of 10/3.
  const item = await page.evaluate(async () => {
    const r = await fetch('/api/places/northshire/deals/northshire-deal/readiness');
    const j = await r.json();
    return j.readiness.items.find((i) => i.id === 'sensible-geography');
  });
  assert.ok(Math.abs(item.mean - 10 / 3) < 1e-9, `mean ${item.mean}`);
  assert.equal(item.spread, 1);
});

test('an appraisal shows its results', async () => {
  const page = await logIn('analyst');
  await page.goto(`${base}/p/northshire/appraisals`);
  await page.getByRole('link', { name: 'Northshire Families Together' }).click();
  // As `oneplace appraise examples/family-support.toml` reports it.
  const row = page.locator('tr', { hasText: 'Net present budget impact' });
  assert.match(await row.innerText(), /£2,261,119\.64/);
  await shot(page, '08-appraisal');
});

test('an analyst edits an appraisal input: a bad value is named beside its field, the fixed one re-runs the appraisal', async () => {
  const page = await logIn('analyst');
  await page.goto(`${base}/p/northshire/appraisals`);
  await page.locator('tr', { hasText: 'Northshire Families Together' }).getByRole('link', { name: 'Edit inputs' }).click();
  await page.waitForURL(/\/appraisals\/family-support\/edit$/);
  await checkAccessible(page, 'appraisal inputs');
  await shot(page, '09-appraisal-inputs');
  const amounts = page.locator('#in-cost__set-up__amounts');
  assert.equal(await amounts.inputValue(), '180000');
  await amounts.fill('28O000');
  await page.getByRole('button', { name: 'Check, save and re-run' }).click();
  const error = page.locator('#in-cost__set-up__amounts-error');
  await assert.doesNotReject(error.waitFor());
  assert.match(await error.innerText(), /'28O000' is not a number/);
  assert.match(await amounts.getAttribute('aria-describedby'), /in-cost__set-up__amounts-error/);
  assert.equal(await amounts.getAttribute('aria-invalid'), 'true');
  assert.match(await page.getByRole('alert').innerText(), /Nothing was saved/);
  // Nothing was saved: the results are still those of the model as shipped.
  assert.match(await page.locator('tr', { hasText: 'Net present budget impact' }).first().innerText(), /£2,261,119\.64/);
  await checkAccessible(page, 'appraisal inputs with an error');
  await shot(page, '10-appraisal-inputs-error');

  // £280,000 at grade 1 (no optimism bias) in place of £180,000 at grade 3
  // (10%, so £198,000): £82,000 more cost in year 0, undiscounted, so the
  // net present budget impact falls from £2,261,119.64 to £2,179,119.64.
  await amounts.fill('280000');
  await page.locator('#in-cost__set-up__confidence').fill('1');
  await page.getByRole('button', { name: 'Check, save and re-run' }).click();
  await page.waitForURL(/saved=2/);
  await assert.doesNotReject(page.getByText('Saved: 2 inputs changed.', { exact: false }).waitFor());
  assert.match(await page.locator('tr', { hasText: 'Net present budget impact' }).first().innerText(), /£2,179,119\.64/);
  assert.equal(await page.locator('figure.chart svg').count(), 2);
  await shot(page, '11-appraisal-inputs-saved');
});

test('a simulation shows its progress, then its statistics and histogram', async () => {
  const page = await logIn('analyst');
  await page.goto(`${base}/p/northshire/appraisals/family-support/simulation`);
  await checkAccessible(page, 'simulation');
  await page.getByLabel('Draws').fill('200000');
  await page.getByLabel('Seed').fill('7');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.waitForURL(/\/simulation$/);
  // Running or already done, the page shows how far the run has got.
  const progress = page.locator('progress#sim-progress');
  await assert.doesNotReject(progress.waitFor());
  assert.equal(await progress.getAttribute('max'), '200000');
  if (await page.locator('#sim-running').count()) await shot(page, '12-simulation-running');
  // The script polls the status and reloads when the run ends.
  await assert.doesNotReject(page.locator('#sim-results').waitFor({ timeout: 60000 }));
  assert.equal(await page.locator('progress#sim-progress').getAttribute('value'), '200000');
  assert.match(await page.locator('#sim-results h2').innerText(), /200,000 draws, seed 7/);
  const stats = await page.locator('#sim-stats').innerText();
  assert.match(stats, /Net present public value/);
  assert.equal(await page.locator('#sim-results figure.chart svg').count(), 1);
  await checkAccessible(page, 'simulation results');
  await shot(page, '13-simulation-results');
});

test('named scenarios side by side', async () => {
  const page = await logIn('viewer');
  await page.goto(`${base}/p/northshire/appraisals/family-support/compare`);
  // As `oneplace appraise examples/family-support.toml --sensitivity` shows
  // the scenarios (the model as shipped: the edit above changed only the
  // set-up cost, which every scenario shares, so compare the differences).
  const head = await page.locator('#compare thead').innerText();
  assert.match(head, /Pessimistic/);
  assert.match(head, /Two intakes only/);
  const nppv = await page.locator('#compare tr', { hasText: 'Net present public value' }).innerText();
  // Pessimistic less the base: £1,964,176.98 − £3,913,622.07.
  assert.match(nppv, /-£1,949,445\.(0[89]|10)/);
  await checkAccessible(page, 'compare');
  await shot(page, '14-compare');
});
