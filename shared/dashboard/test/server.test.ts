import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel, startDashboard, type DashboardSnapshot } from '../src/index.js';

test('the server serves the page, the snapshot, and a live event stream', async () => {
  const model = new DashboardModel();
  model.recordStage('ingest', 7);
  const server = await startDashboard({ model, intervalMs: 50 });
  try {
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<table id="suspicious">/);

    const snapshot = (await (await fetch(server.url + 'api/snapshot')).json()) as DashboardSnapshot;
    assert.equal(snapshot.stages[0]?.total, 7);

    const controller = new AbortController();
    const events = await fetch(server.url + 'events', { signal: controller.signal });
    assert.equal(events.headers.get('content-type'), 'text/event-stream');
    const reader = events.body!.getReader();
    let text = '';
    while ((text.match(/\n\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const first = JSON.parse(text.split('\n\n')[0]!.replace(/^data: /, '')) as DashboardSnapshot;
    assert.equal(first.stages[0]?.stage, 'ingest');
  } finally {
    await server.close();
  }
});
