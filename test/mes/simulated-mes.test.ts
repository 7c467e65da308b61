/**
 * The simulated MES (tools/plant-simulator/mes.ts) as a peer of the MES link: it answers the
 * schedule messages in a folder with B2MML files a real MES could have written. Its answers are
 * checked with a real XML schema validator (xmllint against MESA's schemas): skipped with a
 * message when xmllint is missing outside CI; in CI (CI=true) a missing xmllint fails the test.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { durationMinutes, SimulatedMes, type SimulatedMesOptions } from '../../tools/plant-simulator/mes.ts';
import { parseAcknowledgment } from '../../transform/mes/acknowledgment.ts';
import { messageFileName, releaseContent } from '../../transform/mes/release.ts';
import { scheduleXml as releaseXml } from '../../transform/mes/schedule-xml.ts';
import { order as odooOrder } from './release-fixtures.ts';
import { makeTmpDir } from '../fixtures/files.ts';
import { runCli } from '../support/cli.ts';

const SCHEMA = fileURLToPath(new URL('../fixtures/b2mml/Schema/AllSchemas.xsd', import.meta.url));
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!hasXmllint && !ci)
  console.warn('simulated-mes: B2MML schema validation skipped: xmllint missing (apt-get install -y libxml2-utils); in CI it runs');

function schemaErrors(file: string): string {
  const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

/** escaped as the release escapes: characters XML 1.0 cannot carry are dropped */
const esc = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

interface Order {
  mo: string;
  product?: string;
  productName?: string;
  qty?: number;
  components?: Array<{ code: string; qty: number; lots: string[] }>;
  workOrders?: Array<{ id: number; name: string; workcenter: string; minutes: number }>;
}

/** A schedule message as mfg-etl's release writes it (transform/mes/schedule-xml.ts). */
function scheduleXml(verb: 'Process' | 'Change' | 'Cancel', bodId: string, o: Order): string {
  const product = o.product ?? 'FURN_8855';
  const wos = o.workOrders ?? [
    { id: 4, name: 'Packing', workcenter: 'Drill 1', minutes: 120 },
    { id: 5, name: 'Testing', workcenter: 'Assembly 1', minutes: 90 },
  ];
  const components = o.components ?? [
    { code: 'FURN_2100', qty: 3, lots: ['LOT-A', 'LOT-B'] },
    { code: 'FURN_5623', qty: 2, lots: [] },
  ];
  const material = (id: string, code: string, use: string, qty: number, lots: string[]) =>
    `<MaterialRequirement><ID>${id}</ID><MaterialDefinitionID>${esc(code)}</MaterialDefinitionID>` +
    lots.map((l) => `<MaterialLotID>${esc(l)}</MaterialLotID>`).join('') +
    `<MaterialUse>${use}</MaterialUse><Quantity><QuantityString>${qty}</QuantityString><DataType>Amount</DataType><UnitOfMeasure>Units</UnitOfMeasure></Quantity></MaterialRequirement>`;
  const segments = wos
    .map(
      (w, n) =>
        `<SegmentRequirement><ID>${w.id}</ID><Description>${esc(w.name)}</Description><ProcessSegmentID>${esc(w.name)}</ProcessSegmentID>` +
        `<Duration>PT${Math.floor(w.minutes / 60)}H${w.minutes % 60}M0S</Duration><OperationsDefinitionID>${esc(product)}</OperationsDefinitionID>` +
        `<OperationsSegmentID>${esc(w.name)}</OperationsSegmentID>` +
        `<EquipmentRequirement><ID>${w.id}-equipment</ID><EquipmentID>${esc(w.workcenter)}</EquipmentID><EquipmentLevel>WorkCenter</EquipmentLevel></EquipmentRequirement>` +
        (n === 0 ? components.map((c, k) => material(`C${k + 1}`, c.code, 'Consumed', c.qty, c.lots)).join('') : '') +
        (n === wos.length - 1 ? material('P1', product, 'Produced', o.qty ?? 2, []) : '') +
        `</SegmentRequirement>`,
    )
    .join('\n');
  const verbElement =
    verb === 'Process' ? '<Process acknowledgeCode="Always"/>' : verb === 'Change' ? '<Change responseCode="Always"/>' : '<Cancel/>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<${verb}OperationsSchedule xmlns="http://www.mesa.org/xml/B2MML" releaseID="0701">
  <ApplicationArea><Sender><LogicalID>mfg-etl</LogicalID><ConfirmationCode>Always</ConfirmationCode></Sender>
    <CreationDateTime>2026-12-05T15:00:00Z</CreationDateTime><BODID>${esc(bodId)}</BODID></ApplicationArea>
  <DataArea>
    ${verbElement}
    <OperationsSchedule><ID>${esc(o.mo)}</ID>
      <OperationsRequest><ID>${esc(o.mo)}</ID><Description>${esc(`${product} ${o.productName ?? 'Drawer'}`)}</Description>
        <StartTime>2026-12-05T08:00:00Z</StartTime><EndTime>2026-12-05T12:00:00Z</EndTime>
        <OperationsType>Production</OperationsType><RequestState>${verb === 'Cancel' ? 'Cancelled' : 'Released'}</RequestState>
        ${segments}
      </OperationsRequest>
    </OperationsSchedule>
  </DataArea>
</${verb}OperationsSchedule>
`;
}

/** Local name → texts, in document order (saxes, namespace-aware): what a reader of the answer sees. */
function texts(xml: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const stack: Array<{ name: string; text: string; attrs: Record<string, string> }> = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (t) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(t.attributes)) attrs[a.local] = a.value;
    stack.push({ name: t.local, text: '', attrs });
  });
  parser.on('text', (t) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    const n = stack.pop()!;
    const list = out.get(n.name) ?? [];
    const at = Object.entries(n.attrs)
      .filter(([k]) => k !== 'xmlns' && k !== 'releaseID')
      .map(([k, v]) => `@${k}=${v}`);
    list.push([n.text.trim(), ...at].filter(Boolean).join(' '));
    out.set(n.name, list);
  });
  parser.write(xml).close();
  return out;
}

let tmp: { dir: string; cleanup: () => Promise<void> };
let outbox: string;
let inbox: string;
let seq = 0;

beforeEach(async () => {
  tmp = await makeTmpDir('simulated-mes');
  outbox = path.join(tmp.dir, 'outbox', 'mes');
  inbox = path.join(tmp.dir, 'inbox', 'mes');
  await import('node:fs/promises').then((fs) => fs.mkdir(outbox, { recursive: true }));
});
afterEach(() => tmp.cleanup());

async function send(verb: 'Process' | 'Change' | 'Cancel', o: Order, bodId = `bod-${++seq}`): Promise<string> {
  const name = `20261205T150000${String(seq).padStart(3, '0')}-${String(seq).padStart(6, '0')}-${verb}-${o.mo.replace(/[^A-Za-z0-9]/g, '_')}.xml`;
  const file = path.join(outbox, name);
  await writeFile(file, scheduleXml(verb, bodId, o));
  return file;
}

const mes = (over: Partial<SimulatedMesOptions> = {}) =>
  new SimulatedMes({ outboxDir: outbox, inboxDir: inbox, now: () => new Date('2026-12-05T16:00:00Z'), ...over });

const answers = async () => (await readdir(inbox)).filter((n) => !n.startsWith('.')).sort();

describe('simulated MES', () => {
  it.skipIf(!hasXmllint && !ci)(
    'answers a Process schedule with an acknowledgment and a performance report that validate against B2MML',
    async () => {
      expect(hasXmllint, 'xmllint must be installed in CI (libxml2-utils, see .ci/run)').toBe(true);
      const sent = await send('Process', { mo: 'WH/MO/00007' }, 'bod-process-7');
      expect(schemaErrors(sent), 'the test schedule itself is valid B2MML').toBe('');
      const pass = await mes({ scrap: { qty: 1, reason: 'dented' } }).poll();
      expect(pass.acknowledged).toEqual(['WH/MO/00007']);
      const files = await answers();
      expect(files).toHaveLength(2);
      expect(files[0]).toMatch(/^20261205T160000000-000001-Acknowledge-WH_MO_00007\.xml$/);
      expect(files[1]).toMatch(/-000002-Performance-WH_MO_00007\.xml$/);
      for (const f of files) expect(schemaErrors(path.join(inbox, f)), f).toBe('');

      const ack = texts(await readFile(path.join(inbox, files[0]!), 'utf8'));
      expect(ack.get('BODID')).toEqual(['ack-bod-process-7', 'bod-process-7']); // its own, then the one it answers
      expect(ack.get('ResponseExpression')).toEqual(['@actionCode=Accepted']);
      expect(ack.get('ID')).toContain('WH/MO/00007');

      const perf = texts(await readFile(path.join(inbox, files[1]!), 'utf8'));
      expect(perf.get('OperationsRequestID')).toEqual(['WH/MO/00007']);
      expect(perf.get('ResponseState')).toEqual(['Completed']);
      expect(perf.get('SegmentRequirementID')).toEqual(['4', '5']);
      expect(perf.get('EquipmentID')).toEqual(['Drill 1', 'Assembly 1']);
      // laid end to end from the planned start over the durations (120 + 90 min)
      expect(perf.get('ActualStartTime')).toEqual(['2026-12-05T08:00:00Z', '2026-12-05T10:00:00Z']);
      expect(perf.get('ActualEndTime')).toEqual(['2026-12-05T10:00:00Z', '2026-12-05T11:30:00Z']);
      expect(perf.get('MaterialUse')).toEqual(['Consumed', 'Consumed', 'Consumed', 'Produced', 'Other @OtherValue=Scrap']);
      expect(perf.get('MaterialLotID')).toEqual(['LOT-A', 'LOT-B', 'WH-MO-00007-L1', 'WH-MO-00007-L1']);
      expect(perf.get('QuantityString')).toEqual(['1.5', '1.5', '2', '2', '1']);
      expect(perf.get('ValueString')).toEqual(['dented']);
      const [tx] = perf.get('ID')!;
      expect(tx).toBe('TX-WH/MO/00007-1');
      expect(pass.reports[0]).toMatchObject({ transactionId: tx, produced: 2, finishedLot: 'WH-MO-00007-L1', state: 'Completed' });
    },
  );

  it.skipIf(!hasXmllint && !ci)('escapes hostile order, product and work center names, and the answers still validate', async () => {
    const mo = `WH/MO/<x> & "q" 'a' \u0001]]>`;
    await send('Process', {
      mo,
      product: 'P&<1>',
      workOrders: [{ id: 9, name: '<script>', workcenter: 'WC "A" & <B>', minutes: 30 }],
      components: [{ code: 'C<&>', qty: 1, lots: ['L"1\'<'] }],
    });
    // the control character cannot be in XML at all: the schedule carries the name without it
    const clean = mo.replace('\u0001', '');
    await mes({ refuse: (o) => `no room for ${o.id} </Description>` }).poll();
    const files = await answers();
    expect(files).toHaveLength(1); // refused: no performance
    expect(files[0]).toMatch(/^[A-Za-z0-9_.-]+$/);
    const xml = await readFile(path.join(inbox, files[0]!), 'utf8');
    if (hasXmllint) expect(schemaErrors(path.join(inbox, files[0]!))).toBe('');
    const t = texts(xml);
    expect(t.get('ID')).toContain(clean);
    expect(t.get('Description')).toEqual([`no room for ${clean} </Description>`]);
    expect(t.get('ResponseExpression')).toEqual(['@actionCode=Rejected']);

    await send('Process', {
      mo: 'WH/MO/<2>',
      product: 'P&<1>',
      workOrders: [{ id: 9, name: '<script>', workcenter: 'WC "A" & <B>', minutes: 30 }],
      components: [{ code: 'C<&>', qty: 1, lots: ['L"1\'<'] }],
    });
    const pass = await mes({ scrap: { qty: 0.5, reason: 'bent <&> "badly"' } }).poll();
    const perfFile = pass.files.find((f) => f.verb === 'Performance')!.path;
    if (hasXmllint) expect(schemaErrors(perfFile)).toBe('');
    const perf = texts(await readFile(perfFile, 'utf8'));
    expect(perf.get('EquipmentID')).toEqual(['WC "A" & <B>']);
    expect(perf.get('MaterialDefinitionID')).toEqual(['C<&>', 'P&<1>', 'P&<1>']);
    expect(perf.get('MaterialLotID')![0]).toBe('L"1\'<');
    expect(perf.get('ValueString')).toEqual(['bent <&> "badly"']);
  });

  it("answers what mfg-etl's release writes, and the release side reads the acknowledgment as accepted or refused", async () => {
    for (const [i, name] of ['WH/MO/00021', 'WH/MO/00022'].entries()) {
      const r = releaseContent(odooOrder({ name }));
      if ('problem' in r) throw new Error(r.problem);
      const at = new Date(Date.UTC(2026, 11, 5, 15, 0, i));
      await writeFile(
        path.join(outbox, messageFileName(at, i + 1, 'Process', name)),
        releaseXml({ verb: 'Process', messageId: `rel-${i + 1}`, sender: 'mfg-etl', createdAt: at, content: r.content }),
      );
    }
    const pass = await mes({ refuse: (o) => (o.id === 'WH/MO/00022' ? 'no tooling for FURN_8855' : undefined) }).poll();
    const acks = pass.files.filter((f) => f.verb === 'Acknowledge');
    const read = await Promise.all(acks.map(async (f) => parseAcknowledgment(await readFile(f.path, 'utf8'))));
    expect(read.flat().map(({ at: _at, ...a }) => a)).toEqual([
      { messageId: 'rel-1', moName: 'WH/MO/00021', accepted: true, text: '' },
      { messageId: 'rel-2', moName: 'WH/MO/00022', accepted: false, text: 'no tooling for FURN_8855' },
    ]);
    // the release's work orders (4 Packing on Drill 1, 5 Testing on Assembly 1) and reserved lot come back
    const perf = texts(await readFile(pass.files.find((f) => f.verb === 'Performance')!.path, 'utf8'));
    expect(perf.get('SegmentRequirementID')).toEqual(['4', '5']);
    expect(perf.get('EquipmentID')).toEqual(['Drill 1', 'Assembly 1']);
    expect(perf.get('MaterialLotID')).toEqual(['0000000010001', 'WH-MO-00021-L1']);
  });

  it('answers a message once, across passes and across two simulators on the same folders', async () => {
    await send('Process', { mo: 'WH/MO/00001' }, 'bod-once');
    const first = await mes().poll();
    expect(first.files.map((f) => f.verb)).toEqual(['Process', 'Acknowledge', 'Performance']);
    expect((await mes().poll()).files).toEqual([]);
    const same = mes();
    expect((await same.poll()).files).toEqual([]);
    expect(await answers()).toHaveLength(2);
    // the same message again under another file name (same BODID): still answered once
    const again = path.join(outbox, 'zz-again.xml');
    await writeFile(again, scheduleXml('Process', 'bod-once', { mo: 'WH/MO/00001' }));
    expect((await same.poll()).files).toEqual([]);
    // a new message for the same order (a release sent again) is answered, with a new transaction
    await send('Process', { mo: 'WH/MO/00001' });
    const next = await mes().poll();
    expect(next.reports.map((r) => r.transactionId)).toEqual(['TX-WH/MO/00001-2']);
    expect(await answers()).toHaveLength(4);
  });

  it('reports later when asked: a partial report runs, the completing one closes', async () => {
    await send('Process', { mo: 'WH/MO/00002', qty: 10 });
    const sim = mes({ report: 'later' });
    const pass = await sim.poll();
    expect(pass.files.map((f) => f.verb)).toEqual(['Process', 'Acknowledge']);
    expect(await sim.pending()).toEqual(['WH/MO/00002']);
    const part = await sim.report('WH/MO/00002', { producedFraction: 0.4, complete: false, finishedLot: false });
    expect(part.summary).toMatchObject({ state: 'Running', produced: 4, transactionId: 'TX-WH/MO/00002-1' });
    expect(part.summary.finishedLot).toBeUndefined();
    expect(part.summary.consumed.map((c) => c.qty)).toEqual([0.6, 0.6, 0.8]);
    expect(await mes({ report: 'later' }).pending()).toEqual(['WH/MO/00002']); // state survives the process
    const rest = await mes().report('WH/MO/00002', { producedFraction: 0.6 });
    expect(rest.summary).toMatchObject({ state: 'Completed', produced: 6, transactionId: 'TX-WH/MO/00002-2' });
    expect(await sim.pending()).toEqual([]);
  });

  it('acknowledges a Change (the next report runs the changed order) and a Cancel (nothing more to report)', async () => {
    await send('Process', { mo: 'WH/MO/00003', qty: 2 });
    const sim = mes({ report: 'later' });
    await sim.poll();
    await send('Change', { mo: 'WH/MO/00003', qty: 5 });
    const change = await sim.poll();
    expect(change.files.map((f) => `${f.verb} ${f.gist}`)).toEqual([
      'Change Change WH/MO/00003: 5 Units FURN_8855, 2 segment(s), 2 component(s)',
      'Acknowledge Change of WH/MO/00003 accepted',
    ]);
    expect((await sim.report('WH/MO/00003')).summary.produced).toBe(5);

    await send('Process', { mo: 'WH/MO/00004' });
    await send('Cancel', { mo: 'WH/MO/00004' });
    const cancel = await mes({ report: 'later' }).poll();
    expect(cancel.acknowledged).toEqual(['WH/MO/00004', 'WH/MO/00004']);
    expect(await sim.pending()).toEqual([]);
    await expect(mes().report('WH/MO/00004')).rejects.toThrow(/no open order WH\/MO\/00004/);
  });

  it('skips files that are not schedule messages once, saying why, and writes nothing for them', async () => {
    await writeFile(path.join(outbox, 'a-broken.xml'), '<ProcessOperationsSchedule><oops>');
    await writeFile(path.join(outbox, 'b-other.xml'), '<Hello xmlns="http://www.mesa.org/xml/B2MML"/>');
    await writeFile(path.join(outbox, '.c-temp.xml.123.tmp'), 'half a mess');
    const pass = await mes().poll();
    expect(pass.skipped.map((s) => `${path.basename(s.file)}: ${s.reason.split(':')[0]}`)).toEqual([
      'a-broken.xml: not well-formed XML',
      'b-other.xml: the root element is Hello, not a Process/Change/CancelOperationsSchedule',
    ]);
    expect((await mes().poll()).skipped).toEqual([]);
    expect(await readdir(inbox).catch(() => [])).toEqual([]);
  });

  it('never reports a run that ends after the report: a plan ending later is moved back to end at the report time', async () => {
    await send('Process', { mo: 'WH/MO/00005' }); // planned 08:00, 120 + 90 minutes
    const pass = await mes({ now: () => new Date('2026-12-05T09:00:00Z') }).poll();
    expect(pass.reports[0]!.segments.map((s) => `${s.start} ${s.end}`)).toEqual([
      '2026-12-05T05:30:00Z 2026-12-05T07:30:00Z',
      '2026-12-05T07:30:00Z 2026-12-05T09:00:00Z',
    ]);
  });

  it('mfg-etl simulate-mes --once answers the releases in <outbox>/mes into <inbox>/mes; --refuse refuses them', async () => {
    await send('Process', { mo: 'WH/MO/00011' });
    const root = tmp.dir;
    const env = { MFG_ETL_DATA_DIR: path.join(root, 'data'), MFG_ETL_LOG_LEVEL: 'warn' };
    const args = ['simulate-mes', '--outbox', path.join(root, 'outbox'), '--inbox', path.join(root, 'inbox'), '--once'];
    const r = await runCli(args, env, root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/read\s+\S+-Process-WH_MO_00011\.xml\s+Process WH\/MO\/00011: 2 Units FURN_8855/);
    expect(r.stdout).toMatch(/wrote\s+\S+-Acknowledge-WH_MO_00011\.xml\s+Process of WH\/MO\/00011 accepted/);
    expect(r.stdout).toMatch(
      /wrote\s+\S+-Performance-WH_MO_00011\.xml\s+TX-WH\/MO\/00011-1: Completed 2 Units FURN_8855 lot WH-MO-00011-L1/,
    );
    expect(await answers()).toHaveLength(2);

    await send('Process', { mo: 'WH/MO/00012' });
    const refused = await runCli([...args, '--refuse', 'line 3 is down'], env, root);
    expect(refused.code).toBe(0);
    expect(refused.stdout).not.toContain('WH_MO_00011'); // answered before: not again
    expect(refused.stdout).toMatch(/Process of WH\/MO\/00012 refused: line 3 is down/);
    expect(refused.stdout).not.toContain('Performance');

    const bad = await runCli([...args, '--produced', '0'], env, root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--produced must be a share above 0');
  });

  it('reads xsd durations in days, hours, minutes and seconds', () => {
    expect(durationMinutes('PT2H0M0S')).toBe(120);
    expect(durationMinutes('P1DT30M')).toBe(1470);
    expect(durationMinutes('PT90S')).toBe(1.5);
    expect(durationMinutes('P1Y')).toBeUndefined();
    expect(durationMinutes('PT')).toBeUndefined();
  });
});
