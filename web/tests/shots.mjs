// Dev helper: node tests/shots.mjs -> screenshots of every page into test-artifacts/dev-*.png
import { launch, openPage, BASE, api } from './helpers.mjs';
const b = await launch();
const { page, errors } = await openPage(b);
const { body } = await api('/api/v1/traces?filter=fault&since=0');
const fid = body.traces[0].trace_id;
for (const [name, hash] of [['map', '#/map'], ['traces', '#/traces'], ['trace', `#/traces/${fid}`], ['logs', '#/logs'], ['badfilter', '#/traces?filter=service(']]) {
  await page.goto(`${BASE}/${hash}`);
  await page.waitForTimeout(900);
  await page.screenshot({ path: `test-artifacts/dev-${name}.png` });
}
console.log(errors.join('\n'));
await b.close();
