/**
 * The config file's `historian` section: the example parses with its defaults, and a
 * section with several mistakes is refused with one line per mistake, each naming its key.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { browsePathProblems, nodeIdProblem, parseHistorianSettings } from '../../transform/historian/index.ts';

const EXAMPLE = {
  bucketMinutes: 60,
  overlapMinutes: 15,
  initialLookbackHours: 24,
  maxWindowHours: 168,
  shifts: [
    { name: 'A', start: '06:00', end: '14:00' },
    { name: 'B', start: '14:00', end: '22:00' },
    { name: 'C', start: '22:00', end: '06:00' },
  ],
  tags: [
    { name: 'M1.good', nodeId: 'ns=2;i=1111', asset: 'WC-ASSEMBLY', kind: 'good-counter', rollover: 4294967295 },
    {
      name: 'M1.scrap',
      browsePath: '/Objects/2:Plant1/2:Machine1/2:ScrapCount',
      asset: 'WC-ASSEMBLY',
      kind: 'scrap-counter',
      product: 'FURN_7800',
    },
    {
      name: 'M1.state',
      nodeId: 'ns=2;i=1113',
      asset: 'WC-ASSEMBLY',
      kind: 'state',
      states: { '1': 'running', '2': { state: 'down', lossReason: 'Equipment Failure' }, '3': 'idle' },
    },
    { name: 'M1.temp', nodeId: 'ns=2;i=1114', asset: 'WC-ASSEMBLY', kind: 'analog', unit: 'degC' },
  ],
};

function mistakes(raw: unknown): string[] {
  try {
    parseHistorianSettings(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('historian settings', () => {
  it("parses the issue's example section and fills the defaults", () => {
    const s = parseHistorianSettings(JSON.parse(JSON.stringify(EXAMPLE)));
    expect(s.tags.map((t) => [t.name, t.kind, t.active])).toEqual([
      ['M1.good', 'good-counter', true],
      ['M1.scrap', 'scrap-counter', true],
      ['M1.state', 'state', true],
      ['M1.temp', 'analog', true],
    ]);
    expect(s.tags[2]!.states!['2']).toEqual({ state: 'down', lossReason: 'Equipment Failure' });
    expect([s.pageSize, s.minDowntimeMinutes, s.approval, s.checkpoints.gaps]).toEqual([
      1000,
      2,
      'auto',
      { severity: 'warning', threshold: 15 },
    ]);
  });

  it('takes a missing section as all defaults', () => {
    const s = parseHistorianSettings(undefined);
    expect([s.bucketMinutes, s.shifts, s.tags]).toEqual([60, [], []]);
  });

  it('lists every mistake on its own line, naming the key', () => {
    const raw = {
      bucketMinutes: 0,
      colour: 'blue',
      shifts: [
        { name: 'A', start: '06:00', end: '14:00' },
        { name: 'B', start: '13:00', end: '22:00' },
        { name: 'A', start: '22:00', end: '06:00' },
      ],
      tags: [
        { name: 'M1.good', nodeId: 'nsu=urn:plant;x=12', asset: 'WC-1', kind: 'good-counter', product: 'FURN_7800' },
        { name: 'M1.good', browsePath: '/Objects/Plant1//ns2:Machine1', asset: 'WC-1', kind: 'scrap-counter' },
        {
          name: 'M1.state',
          nodeId: 'ns=2;i=1113',
          asset: 'WC-1',
          kind: 'state',
          states: { '1': 'running', run: 'running', '2': 'broken' },
        },
        { name: 'M1.temp', nodeId: 'ns=2;i=1114', asset: 'WC-1', kind: 'gauge' },
        { name: 'M1.both', nodeId: 'ns=2;i=1115', browsePath: '/Objects/2:X', asset: 'WC-1', kind: 'analog' },
      ],
    };
    expect(mistakes(raw).sort()).toEqual(
      [
        'historian.bucketMinutes: expected a number > 0, got 0',
        // 17 keys since backfillWindowHours and backfillMaxDays: too many to list in one line
        'historian.colour: unknown key (the README lists the known ones)',
        'historian.shifts.1: shift "B" (13:00–22:00) overlaps shift "A" (06:00–14:00) at historian.shifts.0',
        'historian.shifts.2.name: shift "A" is already defined at historian.shifts.0',
        'historian.tags.0.nodeId: "nsu=urn:plant;x=12" is not a node id: expected ns=<index>;i=<number> | s=<string> | g=<guid> | b=<base64>, or nsu=<namespace uri>;… instead of ns=',
        'historian.tags.0.product: only a scrap-counter names a product; this tag is a good-counter',
        'historian.tags.1.name: tag "M1.good" is already defined at historian.tags.0',
        'historian.tags.1.browsePath: segment 3 "" is empty (a doubled or trailing "/")',
        'historian.tags.1.browsePath: segment 4 "ns2:Machine1" is not <namespace index>:<name>, nsu=<namespace uri>;<name> or a plain <name>',
        'historian.tags.2.states.run: "run" is not an integer state code (write e.g. "1", "-2")',
        'historian.tags.2.states.2: expected "running", "idle", "down" or { "state": "running" | "idle" | "down", "lossReason": "…" }, got "broken"',
        'historian.tags.3.kind: expected one of "good-counter", "scrap-counter", "state", "analog", got "gauge"',
        'historian.tags.4: give exactly one of nodeId or browsePath',
      ].sort(),
    );
  });

  it('finds a shift overlapping another across midnight', () => {
    const lines = mistakes({
      shifts: [
        { name: 'Night', start: '22:00', end: '06:30' },
        { name: 'Early', start: '06:00', end: '14:00' },
      ],
    });
    expect(lines).toEqual(['historian.shifts.1: shift "Early" (06:00–14:00) overlaps shift "Night" (22:00–06:30) at historian.shifts.0']);
  });

  it('refuses a tag map that reads the same node twice', () => {
    const lines = mistakes({
      tags: [
        { name: 'a', nodeId: 'ns=2;i=7', asset: 'WC-1', kind: 'analog' },
        { name: 'b', nodeId: 'ns=2;i=7', asset: 'WC-1', kind: 'analog' },
      ],
    });
    expect(lines).toEqual(['historian.tags.1.nodeId: "ns=2;i=7" is already read by historian.tags.0']);
  });

  it("refuses a second active state tag on one asset (downtime and shift minutes are the asset's)", () => {
    const state = (name: string, nodeId: string, active = true) => ({
      name,
      nodeId,
      asset: 'WC-1',
      kind: 'state',
      states: { '2': 'down' },
      active,
    });
    expect(mistakes({ tags: [state('a', 'ns=2;i=1'), state('b', 'ns=2;i=2')] })).toEqual([
      'historian.tags.1.asset: asset "WC-1" already has an active state tag (historian.tags.0); give each asset one',
    ]);
    expect(parseHistorianSettings({ tags: [state('a', 'ns=2;i=1'), state('b', 'ns=2;i=2', false)] }).tags).toHaveLength(2);
  });

  it('accepts the node id and browse path forms OPC UA servers use', () => {
    for (const id of [
      'ns=2;i=1111',
      'ns=2;s=Machine1.Good',
      'nsu=urn:plant:sim;s=M1;Good',
      'i=2258',
      'ns=1;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63',
      'ns=3;b=M/RbKBsRVkePCePcx24oRA==',
    ]) {
      expect(nodeIdProblem(id), id).toBeNull();
    }
    expect(nodeIdProblem('ns=70000;i=1')).toMatch(/namespace index 70000/);
    expect(nodeIdProblem('ns=2;i=')).toMatch(/is not a node id/);
    expect(browsePathProblems('/Objects/2:Plant1/nsu=urn:plant:sim;Machine1/Server')).toEqual([]);
    expect(browsePathProblems('/Objects/nsu=urn:plant/2:')).toHaveLength(2);
  });
});
